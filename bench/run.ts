// npm run bench: the core interactions over real HTTP on real PostgreSQL and the cost of validating one resource;
// then, at each scale of BENCH_PATIENTS (one database, grown from one scale to the next), the import of cloned
// Synthea patients through transaction Bundles, the search latency of two common searches next to the same
// searches as hand-written SQL, paging throughput, and EXPLAIN ANALYZE of the engine's SQL per parameter type;
// last, access-controlled read and create against a thin baseline (access-bench.ts; BENCH_ONLY=access runs only
// that). Prints tables with the targets beside the figures and writes dist-bench/bench-results.json (see
// docs/benchmarks.md).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { AUTH, startTestApp, TestApp } from '../test/support/test-app';
import { testClusterDir } from '../test/support/test-cluster-dir';
import { AccessResult, AccessSettings, runAccessBench } from './access-bench';
import { CpuShare, cpuShare, postmasterOf, sampleCpu } from './cpu-usage';
import { ExplainFigure, explainCases, explainCasesFor } from './explain-plans';
import { INTERACTION_CONCURRENCY, InteractionRow, runInteractions, validationCost, ValidationCost } from './interactions';
import { measure, Summary } from './measure';
import { Statement } from './measure-worker';
import { fixed, table } from './report';
import {
  CATEGORY_PAGE_SQL,
  checkSamples,
  codeDateSamples,
  codeFrequencies,
  patientCodeSamples,
  QuerySample,
  VITAL_SIGNS,
} from './search-queries';
import { CloneFactory, shiftDate, templateFiles } from './synthea-clones';
import { LoadedPatient, loadClones, LoadFigures } from './synthea-load';

const REPO = path.join(__dirname, '..', '..');
const OUT = process.env.BENCH_OUT ?? path.join(REPO, 'dist-bench');

/** Targets the figures are printed beside. */
const TARGETS = {
  importResourcesPerSecond: 1300,
  patientCodeP50Ms: 5,
  /** At 10,000 patients, p50 of patient+code at most this times its value at 1,000. */
  patientCodeGrowth: 1.5,
  pagingResourcesPerSecond: 10_000,
};

function intEnv(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min}`);
  return n;
}

function scalesFromEnv(): number[] {
  const raw = process.env.BENCH_PATIENTS ?? '1000';
  if (raw.trim() === '0') return [];
  const scales = raw.split(',').map((s) => Number(s.trim()));
  if (scales.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('BENCH_PATIENTS must be a number of patients or a comma list of them (or 0 for none)');
  return [...new Set(scales)].sort((a, b) => a - b);
}

const settings = {
  scales: scalesFromEnv(),
  interactions: process.env.BENCH_INTERACTIONS !== '0',
  importConcurrency: intEnv('BENCH_IMPORT_CONCURRENCY', 4, 1),
  queries: intEnv('BENCH_QUERIES', 1000, 10),
  rowSeconds: intEnv('BENCH_ROW_SECONDS', 60, 1),
  concurrency: intEnv('BENCH_CONCURRENCY', 4, 1),
  pagingLimit: intEnv('BENCH_PAGING_LIMIT', 10_000, 1),
  seed: intEnv('BENCH_SEED', 1),
  shiftDays: intEnv('BENCH_SHIFT_DAYS', 3650),
  vacuum: process.env.BENCH_VACUUM !== '0',
  /** With DATABASE_URL: leave the loaded database in place (for looking at plans afterwards). */
  keepDatabase: process.env.BENCH_KEEP_DATABASE === '1' && !!process.env.DATABASE_URL,
  /** BENCH_ONLY=access: the access-controlled read and create only; BENCH_ACCESS=0 leaves them out. */
  accessOnly: onlyFromEnv() === 'access',
  access: process.env.BENCH_ACCESS !== '0' ? accessSettings() : undefined,
};

function onlyFromEnv(): string | undefined {
  const only = process.env.BENCH_ONLY;
  if (only === undefined || only === '') return undefined;
  if (only !== 'access') throw new Error('BENCH_ONLY must be "access" (or unset)');
  return only;
}

function accessSettings(): AccessSettings {
  return {
    connections: intEnv('BENCH_ACCESS_CONNECTIONS', 16, 1),
    seconds: intEnv('BENCH_ACCESS_SECONDS', 10, 1),
    warmupSeconds: intEnv('BENCH_ACCESS_WARMUP_SECONDS', 3, 0),
    patients: intEnv('BENCH_ACCESS_PATIENTS', 20, 1),
    profile: process.env.BENCH_ACCESS_PROFILE === '1',
  };
}

interface QueryRow {
  name: string;
  /** 'engine' over HTTP, or 'sql' straight on PostgreSQL. */
  via: 'engine' | 'sql';
  clients: number;
  summary: Summary;
  cpu: CpuShare;
}

interface PagingRow {
  name: string;
  via: 'engine' | 'sql';
  summary: Summary;
}

interface ScaleResult {
  patients: number;
  resourcesTotal: number;
  databaseBytes: number;
  load: LoadFigures & { cpu: CpuShare };
  vacuumSeconds?: number;
  checks: { search: string; checked: number; differing: number; examples: string[] }[];
  queries: QueryRow[];
  ratios: { search: string; p50Ratio: number; p95Ratio: number }[];
  paging: PagingRow[];
  explain: ExplainFigure[];
  explainFile: string;
  seconds: number;
}

const log = (line: string) => console.log(line);
/** The PostgreSQL server's main process, for its CPU share (undefined when it runs elsewhere). */
let postmaster: number | undefined;
const headers = { ...AUTH };

async function withDb<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

async function timeSearch(t: TestApp, name: string, samples: QuerySample[], clients: number, rows: QueryRow[], sqlToo: boolean): Promise<void> {
  const warmup = Math.min(100, Math.floor(samples.length / 10));
  let cpu = sampleCpu(postmaster);
  const engine = await measure({ kind: 'http', headers, urls: samples.map((s) => `${t.fhirBase}${s.path}`), concurrency: clients, warmup, seconds: settings.rowSeconds });
  rows.push({ name, via: 'engine', clients, summary: engine, cpu: cpuShare(cpu, sampleCpu(postmaster)) });
  if (sqlToo) {
    const statements: Statement[] = samples.map((s) => s.sql);
    cpu = sampleCpu(postmaster);
    const sql = await measure({ kind: 'sql', databaseUrl: t.databaseUrl, statements, concurrency: clients, warmup, seconds: settings.rowSeconds });
    rows.push({ name, via: 'sql', clients, summary: sql, cpu: cpuShare(cpu, sampleCpu(postmaster)) });
  }
}

async function measureScale(t: TestApp, factory: CloneFactory, loaded: LoadedPatient[], patients: number): Promise<ScaleResult> {
  const started = performance.now();
  log(`\n== ${patients} patients: loading ${patients - loaded.length} cloned patients (${settings.importConcurrency} transactions in flight)`);
  const cpuBefore = sampleCpu(postmaster);
  const { figures, patients: added } = await loadClones(t, factory, loaded.length, patients, settings.importConcurrency, (done, resources, seconds) =>
    log(`   ${done} patients, ${resources} resources, ${fixed(resources / seconds, 0)} resources/s`));
  const load = { ...figures, cpu: cpuShare(cpuBefore, sampleCpu(postmaster)) };
  loaded.push(...added);
  log(`   loaded ${load.resources} resources in ${fixed(load.seconds)} s: ${fixed(load.resourcesPerSecond, 0)} resources/s`);

  let vacuumSeconds: number | undefined;
  const { databaseBytes, resourcesTotal } = await withDb(t.databaseUrl, async (db) => {
    if (settings.vacuum) {
      const v0 = performance.now();
      await db.query('VACUUM (ANALYZE)');
      vacuumSeconds = (performance.now() - v0) / 1000;
      log(`   VACUUM (ANALYZE) ${fixed(vacuumSeconds)} s`);
    }
    const size = await db.query<{ bytes: string }>('SELECT pg_database_size(current_database())::text AS bytes');
    const count = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM resource WHERE NOT deleted');
    return { databaseBytes: Number(size.rows[0].bytes), resourcesTotal: count.rows[0].n };
  });

  const n = settings.queries;
  const patientCode = patientCodeSamples(factory.templates, loaded, n, settings.seed + patients);
  const codeDate = codeDateSamples(factory.templates, loaded, n, settings.seed + patients + 1);
  const codeDateNoTotal = codeDate.map((s) => ({ ...s, path: `${s.path}&_total=none` }));

  log('   checking that the engine and the hand-written SQL return the same first pages');
  const checks = await withDb(t.databaseUrl, async (db) => [
    { search: 'patient + code', ...(await checkSamples(t.fhirBase, headers, db, patientCode.slice(0, 25))) },
    { search: 'code + date', ...(await checkSamples(t.fhirBase, headers, db, codeDate.slice(0, 25))) },
  ]);
  for (const c of checks) if (c.differing > 0) log(`   WARNING ${c.search}: ${c.differing} of ${c.checked} pages differ: ${c.examples.join('; ')}`);

  log(`   timing searches (${n} requests per row, or as many as ${settings.rowSeconds} s allow)`);
  const queries: QueryRow[] = [];
  await timeSearch(t, 'Observation?patient&code', patientCode, 1, queries, true);
  await timeSearch(t, 'Observation?code&date=ge', codeDate, 1, queries, true);
  await timeSearch(t, 'Observation?code&date=ge&_total=none', codeDateNoTotal, 1, queries, false);
  if (settings.concurrency > 1) {
    await timeSearch(t, 'Observation?patient&code', patientCode, settings.concurrency, queries, true);
    await timeSearch(t, 'Observation?code&date=ge', codeDate, settings.concurrency, queries, true);
  }
  const ratios = ['Observation?patient&code', 'Observation?code&date=ge'].map((search) => {
    const e = queries.find((q) => q.name === search && q.via === 'engine' && q.clients === 1)!.summary;
    const s = queries.find((q) => q.name === search && q.via === 'sql' && q.clients === 1)!.summary;
    return { search, p50Ratio: e.p50 / s.p50, p95Ratio: e.p95 / s.p95 };
  });

  log(`   paging through up to ${settings.pagingLimit} vital-signs Observations`);
  const pageUrl = `${t.fhirBase}/Observation?category=${encodeURIComponent(VITAL_SIGNS)}&_count=1000`;
  const [catSystem, catCode] = VITAL_SIGNS.split('|');
  const paging: PagingRow[] = [
    { name: 'Observation?category&_count=1000', via: 'engine', summary: await measure({ kind: 'http-pages', headers, url: pageUrl, limit: settings.pagingLimit }) },
    { name: 'Observation?category&_count=1000&_total=none', via: 'engine', summary: await measure({ kind: 'http-pages', headers, url: `${pageUrl}&_total=none`, limit: settings.pagingLimit }) },
    { name: 'Observation?category, keyset 1000', via: 'sql', summary: await measure({ kind: 'sql-pages', databaseUrl: t.databaseUrl, text: CATEGORY_PAGE_SQL, values: [catSystem, catCode], limit: settings.pagingLimit }) },
  ];

  log('   EXPLAIN ANALYZE of the engine\'s SQL');
  const [commonCode] = codeFrequencies(factory.templates, loaded)[0];
  const first = loaded[0];
  const template = factory.templates[first.template];
  const quantityCode = template.observations.quantities.has('http://loinc.org|8302-2') ? 'http://loinc.org|8302-2' : [...template.observations.quantities.keys()][0];
  const dates = [...template.observations.dates].sort();
  const afterId = await withDb(t.databaseUrl, async (db) =>
    (await db.query<{ id: string }>(`SELECT id FROM resource WHERE resource_type = 'Observation' ORDER BY id OFFSET (SELECT count(*) / 2 FROM resource WHERE resource_type = 'Observation') LIMIT 1`)).rows[0]?.id ?? '0');
  const cases = explainCasesFor({
    patientId: first.id,
    patientCode: [...template.observations.codes.keys()][0],
    family: template.family,
    commonCode,
    quantityCode,
    quantity: template.observations.quantities.get(quantityCode)!,
    day: shiftDate(dates[Math.floor(dates.length / 2)], first.shiftDays),
    afterId,
  });
  const explained = await explainCases(t.app, t.databaseUrl, t.config.fhirBaseUrl, cases);
  const explainFile = path.join(OUT, `explain-${patients}.txt`);
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(explainFile, explained.text);

  const result: ScaleResult = {
    patients, resourcesTotal, databaseBytes, load, vacuumSeconds, checks, queries, ratios, paging,
    explain: explained.figures, explainFile, seconds: (performance.now() - started) / 1000,
  };
  printScale(result);
  return result;
}

function printScale(r: ScaleResult): void {
  log(`\n-- ${r.patients} patients: ${r.resourcesTotal} resources, database ${fixed(r.databaseBytes / 2 ** 30, 2)} GiB` +
    `${r.vacuumSeconds !== undefined ? `, VACUUM (ANALYZE) ${fixed(r.vacuumSeconds)} s` : ''}`);
  log(`import: ${r.load.patients} patients, ${r.load.resources} resources in ${fixed(r.load.seconds)} s = ${fixed(r.load.resourcesPerSecond, 0)} resources/s ` +
    `(target >= ${TARGETS.importResourcesPerSecond}); ${r.load.concurrency} Bundles in flight, p50 ${fixed(r.load.p50, 0)} ms, p95 ${fixed(r.load.p95, 0)} ms per Bundle; ` +
    `CPU: server process ${fixed(r.load.cpu.serverProcessCores, 2)} cores, PostgreSQL ${r.load.cpu.postgresCores === undefined ? '?' : fixed(r.load.cpu.postgresCores, 2)} cores`);
  log(table(['search', 'via', 'clients', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'rows/req', 'CPU node+pg'],
    r.queries.map((q) => [q.name, q.via, q.clients, q.summary.requests, fixed(q.summary.perSecond, 0), q.summary.p50, q.summary.p95, q.summary.p99,
      q.summary.meanResults, `${fixed(q.cpu.serverProcessCores, 2)}+${q.cpu.postgresCores === undefined ? '?' : fixed(q.cpu.postgresCores, 2)}`]), 2));
  for (const x of r.ratios) log(`engine / hand SQL (1 client), ${x.search}: p50 ${fixed(x.p50Ratio, 2)}x, p95 ${fixed(x.p95Ratio, 2)}x`);
  log(table(['paging', 'via', 'pages', 'resources', 'seconds', 'resources/s', 'p50 ms/page'],
    r.paging.map((p) => [p.name, p.via, p.summary.requests, Math.round(p.summary.meanResults * p.summary.requests), p.summary.seconds, fixed(p.summary.resultsPerSecond, 0), p.summary.p50])));
  log(`EXPLAIN ANALYZE of the engine's page statements (full plans: ${path.relative(REPO, r.explainFile)}):`);
  log(table(['parameter', 'index', 'exec ms', 'rows', 'indexes used; seq scans'],
    r.explain.map((e) => [e.kind, e.usesIndex ? 'yes' : 'NO', e.executionMs, e.rows,
      [...e.indexes.map((i) => i.replace(/_idx$/, '')), ...e.seqScans.map((s) => `seq ${s}`)].join(', ') + (e.note ? ` (${e.note})` : '')]), 2));
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

function printTargets(scales: ScaleResult[]): { name: string; value: number; target: string; met: boolean }[] {
  const out: { name: string; value: number; target: string; met: boolean }[] = [];
  const at1000 = scales.find((s) => s.patients === 1000);
  const p50 = (s: ScaleResult) => s.queries.find((q) => q.name === 'Observation?patient&code' && q.via === 'engine' && q.clients === 1)!.summary.p50;
  for (const s of scales) {
    out.push({ name: `import at ${s.patients} patients (resources/s)`, value: s.load.resourcesPerSecond, target: `>= ${TARGETS.importResourcesPerSecond}`, met: s.load.resourcesPerSecond >= TARGETS.importResourcesPerSecond });
    out.push({ name: `patient+code p50 at ${s.patients} patients (ms)`, value: p50(s), target: `<= ${TARGETS.patientCodeP50Ms}`, met: p50(s) <= TARGETS.patientCodeP50Ms });
    if (at1000 && s.patients > 1000) {
      const limit = TARGETS.patientCodeGrowth * p50(at1000);
      out.push({ name: `patient+code p50 at ${s.patients} vs 1000 (ms)`, value: p50(s), target: `<= ${fixed(limit, 2)} (1.5x)`, met: p50(s) <= limit });
    }
    const paging = s.paging[0].summary.resultsPerSecond;
    out.push({ name: `paging at ${s.patients} patients (resources/s)`, value: paging, target: `>= ${TARGETS.pagingResourcesPerSecond}`, met: paging >= TARGETS.pagingResourcesPerSecond });
    const noIndex = s.explain.filter((e) => !e.usesIndex).map((e) => e.kind);
    out.push({ name: `engine SQL using an index at ${s.patients} (of ${s.explain.length})`, value: s.explain.length - noIndex.length, target: `all${noIndex.length ? ` (not: ${noIndex.join(', ')})` : ''}`, met: noIndex.length === 0 });
  }
  log('\n== Targets');
  log(table(['figure', 'measured', 'target', ''], out.map((o) => [o.name, o.value, o.target, verdict(o.met)]), 2));
  return out;
}

function machine(postgres: string) {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: os.totalmem() / 2 ** 30, node: process.version, postgres };
}

/** BENCH_ONLY=access. */
async function accessOnly(runStarted: number): Promise<void> {
  if (!settings.access) throw new Error('BENCH_ONLY=access with BENCH_ACCESS=0 leaves nothing to run');
  log(`${os.cpus().length} CPUs, Node.js ${process.version}`);
  const access = await runAccessBench(REPO, OUT, settings.access, log);
  const seconds = (performance.now() - runStarted) / 1000;
  const file = path.join(OUT, 'bench-results.json');
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine: machine(access.postgres), settings, access, seconds }, null, 2));
  log(`\nwhole run ${fixed(seconds / 60, 1)} min; results in ${path.relative(process.cwd(), file)}`);
}

async function main(): Promise<void> {
  const runStarted = performance.now();
  if (settings.accessOnly) return accessOnly(runStarted);
  const validation: ValidationCost = validationCost();
  const t: TestApp = await startTestApp({ LOG_LEVEL: 'error' });
  let interactions: InteractionRow[] = [];
  const scales: ScaleResult[] = [];
  let postgres = '';
  let templatesInfo: { source: string; files: string[]; resourcesPerClone: number } | undefined;
  try {
    postgres = await withDb(t.databaseUrl, async (db) => (await db.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version);
    // Asked while the connection is open: its backend is a child of the postmaster.
    postmaster = await withDb(t.databaseUrl, async (db) => postmasterOf((await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid));
    log(`${os.cpus().length} CPUs, Node.js ${process.version}, PostgreSQL ${postgres} (embedded, default settings)`);
    log(`validation: first call (loads R4 definitions) ${fixed(validation.firstCallMs, 0)} ms; ` +
      `then Patient ${fixed(validation.patientMicros, 0)} µs, Observation ${fixed(validation.observationMicros, 0)} µs per resource`);
    if (settings.interactions) {
      interactions = await runInteractions(t);
      log(`HTTP, ${INTERACTION_CONCURRENCY} concurrent clients, loopback, embedded PostgreSQL:`);
      log(table(['interaction', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms'],
        interactions.map((r) => [r.name, r.count, fixed(r.perSecond, 0), r.p50, r.p95, r.p99])));
    }
    if (settings.scales.length > 0) {
      const { source, files } = templateFiles(REPO);
      const factory = new CloneFactory(files, settings.seed, settings.shiftDays);
      const resourcesPerClone = factory.templates.reduce((n, x) => n + x.resources, 0) / factory.templates.length;
      templatesInfo = { source, files: files.map((f) => path.relative(REPO, f)), resourcesPerClone };
      log(`\nSynthea templates: ${files.length} patient Bundles from ${source}, ${fixed(resourcesPerClone, 0)} resources per patient on average`);
      const loaded: LoadedPatient[] = [];
      for (const patients of settings.scales) scales.push(await measureScale(t, factory, loaded, patients));
    }
  } finally {
    if (settings.keepDatabase) {
      await t.app.close();
      log(`\nthe database is kept: ${t.databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
    } else {
      await t.close();
      fs.rmSync(testClusterDir(), { recursive: true, force: true });
    }
  }
  const targets = scales.length > 0 ? printTargets(scales) : [];
  let access: AccessResult | undefined;
  if (settings.access) access = await runAccessBench(REPO, OUT, settings.access, log);
  const seconds = (performance.now() - runStarted) / 1000;
  const file = path.join(OUT, 'bench-results.json');
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({
    date: new Date().toISOString(),
    machine: machine(postgres),
    settings,
    templates: templatesInfo,
    validation,
    interactions,
    scales,
    targets,
    access,
    seconds,
  }, null, 2));
  log(`\nwhole run ${fixed(seconds / 60, 1)} min; results in ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
