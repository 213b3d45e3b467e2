// Access-controlled read and create against a thin baseline, in one run: the FHIR server (its own process, real
// patient and system tokens, access layer and audit trail as shipped) next to a bare node:http + pg server
// running the same SQL on the same database, each under the same closed-loop load, with the CPU each side and
// PostgreSQL used and the statements each request ran; ratios against the baseline and the targets beside them;
// with BENCH_ACCESS_PROFILE=1, CPU profiles of each workload, summarised.
// https://hl7.org/fhir/R4/http.html#read https://hl7.org/fhir/R4/http.html#create
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DISTURBED_CORES, printAccess, targetsOf } from './access-report';
import { AccessStage, startAccessStage } from './access-setup';
import { monotonicMicros, ProfileSummary, summariseProfile } from './cpu-profile';
import { machineSeconds, processSeconds, sampleCpu } from './cpu-usage';
import { measure, Summary } from './measure';
import { fixed } from './report';

export interface AccessSettings {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  patients: number;
  profile: boolean;
}

export interface AccessRow {
  name: string;
  interaction: 'read' | 'create';
  server: 'baseline' | 'fhir';
  token: 'none' | 'patient' | 'system';
  summary: Summary;
  /**
   * Cores kept busy on average: load generator (this process), the server measured, PostgreSQL, interrupts
   * (loopback networking, mostly) and other processes.
   */
  cpu: { loadGenerator: number; server?: number; postgres?: number; interrupts?: number; others?: number };
  /** Measured twice because other work disturbed the first run; the less disturbed run is kept. */
  repeated?: boolean;
  /** The statements PostgreSQL ran per request (pg_stat_statements; absent on a DATABASE_URL without it). */
  statements?: StatementFigure[];
  /** req/s of this row over the baseline's for the same interaction. */
  ofBaseline: number;
}

export interface AccessTarget {
  name: string;
  value: number;
  target: string;
  met: boolean;
}

export interface AccessResult {
  settings: AccessSettings;
  postgres: string;
  patientObservations: number;
  checks: string[];
  rows: AccessRow[];
  targets: AccessTarget[];
  auditRows?: { table: string; before: number; after: number };
  profiles: { workload: string; summary: ProfileSummary }[];
  seconds: number;
}

export interface StatementFigure {
  /** Calls per request (warm-up included). */
  perRequest: number;
  /** Mean planning and execution time per call. */
  planMs: number;
  execMs: number;
  query: string;
}

async function resetStatements(stage: AccessStage): Promise<void> {
  if (stage.statementStats) await stage.query('SELECT pg_stat_statements_reset()');
}

/** What the database ran since the reset, per request, most frequent first (the benchmark's own queries left out). */
async function statementsPerRequest(stage: AccessStage, requests: number): Promise<StatementFigure[] | undefined> {
  if (!stage.statementStats) return undefined;
  const rows = await stage.query<{ query: string; calls: string; plan: number; exec: number }>(`
    SELECT query, calls::text, total_plan_time AS plan, total_exec_time AS exec FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat%'`);
  // Batched inserts (the audit trail's) differ only in their number of VALUES rows: counted as one statement.
  const groups = new Map<string, { calls: number; plan: number; exec: number }>();
  for (const r of rows) {
    const query = r.query.replace(/\s+/g, ' ').trim().replace(/ VALUES \(\$.*$/, ' VALUES (...)');
    const g = groups.get(query) ?? { calls: 0, plan: 0, exec: 0 };
    groups.set(query, { calls: g.calls + Number(r.calls), plan: g.plan + r.plan, exec: g.exec + r.exec });
  }
  return [...groups.entries()].filter(([, g]) => g.calls >= requests / 200).sort((a, b) => b[1].calls - a[1].calls)
    .map(([query, g]) => ({ perRequest: g.calls / requests, planMs: g.plan / g.calls, execMs: g.exec / g.calls, query }));
}

async function auditCount(stage: AccessStage): Promise<{ table: string; rows: number } | undefined> {
  const [t] = await stage.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'audit%' ORDER BY table_name LIMIT 1");
  if (!t) return undefined;
  const [{ n }] = await stage.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.table_name.replace(/[^a-z_]/g, '')}`);
  return { table: t.table_name, rows: n };
}

/** One GET and one create both ways, compared: the baseline must answer and write what the server does. */
async function checkBaseline(stage: AccessStage, systemToken: string): Promise<string[]> {
  const auth = { authorization: `Bearer ${systemToken}` };
  const id = stage.observationIds[0];
  const viaServer = await (await fetch(`${stage.fhirBase}/Observation/${id}`, { headers: auth })).text();
  const viaBaseline = await (await fetch(`${stage.baselineBase}/Observation/${id}`)).text();
  if (viaServer !== viaBaseline) throw new Error('The baseline reads another content than the server');
  const post = (base: string, headers: Record<string, string>) =>
    fetch(`${base}/Observation`, { method: 'POST', headers: { ...headers, 'content-type': 'application/fhir+json' }, body: JSON.stringify(stage.createBody) });
  const ids: string[] = [];
  for (const res of [await post(stage.fhirBase, auth), await post(stage.baselineBase, {})]) {
    if (res.status !== 201) throw new Error(`A create answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    await res.arrayBuffer();
    ids.push(res.headers.get('location')!.split('/').slice(-3)[0]);
  }
  const counts = await stage.query<{ id: string; rows: string }>(`
    SELECT r.id, concat_ws(' ', r.compartments::text, (SELECT count(*) FROM resource_history h WHERE h.resource_type = r.resource_type AND h.id = r.id),
      ${['string', 'token', 'date', 'number', 'quantity', 'reference', 'uri'].map((t) => `(SELECT count(*) FROM search_${t} s WHERE s.resource_type = r.resource_type AND s.resource_id = r.id)`).join(', ')}) AS rows
    FROM resource r WHERE r.resource_type = 'Observation' AND r.id = ANY($1::text[])`, [ids]);
  const [a, b] = ids.map((x) => counts.find((c) => c.id === x)?.rows);
  if (a === undefined || a !== b) throw new Error(`The baseline's create wrote other rows than the server's: ${a} against ${b}`);
  return [`the baseline reads the same content and a create writes the same rows as the server (compartments, history, rows per index table: ${a})`];
}

async function confinementCheck(stage: AccessStage): Promise<string> {
  const res = await fetch(`${stage.fhirBase}/Observation/${stage.otherObservationId}`, { headers: { authorization: `Bearer ${stage.patientToken}` } });
  await res.arrayBuffer();
  return res.status === 404
    ? "the patient token is confined: another patient's Observation answers 404"
    : `WARNING: the patient token reads another patient's Observation (HTTP ${res.status}): no access filter in this server`;
}

async function measureRow(stage: AccessStage, s: AccessSettings, name: string, interaction: 'read' | 'create', token: AccessRow['token']): Promise<Omit<AccessRow, 'ofBaseline'>> {
  const server = token === 'none' ? 'baseline' : 'fhir';
  const base = server === 'baseline' ? stage.baselineBase : stage.fhirBase;
  const headers: Record<string, string> = { accept: 'application/fhir+json' };
  if (token === 'patient') headers.authorization = `Bearer ${stage.patientToken}`;
  if (token === 'system') headers.authorization = `Bearer ${await stage.systemToken()}`;
  const common = { kind: 'http-timed' as const, headers, concurrency: s.connections, warmupSeconds: s.warmupSeconds, seconds: s.seconds };
  const job = interaction === 'read'
    ? { ...common, method: 'GET' as const, urls: stage.observationIds.map((id) => `${base}/Observation/${id}`) }
    : { ...common, method: 'POST' as const, urls: [`${base}/Observation`], headers: { ...headers, 'content-type': 'application/fhir+json' }, body: JSON.stringify(stage.createBody) };
  const pid = server === 'baseline' ? stage.baseline.pid : stage.server.pid;
  const sample = () => ({ cpu: sampleCpu(stage.postmaster), server: processSeconds(pid), machine: machineSeconds() });
  await resetStatements(stage);
  const before = sample();
  const summary = await measure(job);
  const after = sample();
  const wall = (after.cpu.at - before.cpu.at) / 1000;
  const rate = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : (b - a) / wall);
  const cpu: AccessRow['cpu'] = {
    loadGenerator: (after.cpu.selfSeconds - before.cpu.selfSeconds) / wall,
    server: rate(before.server, after.server),
    postgres: rate(before.cpu.postgresSeconds, after.cpu.postgresSeconds),
  };
  const processes = rate(before.machine?.processes, after.machine?.processes);
  cpu.interrupts = rate(before.machine?.interrupts, after.machine?.interrupts);
  if (processes !== undefined && cpu.server !== undefined && cpu.postgres !== undefined) {
    cpu.others = Math.max(0, processes - cpu.loadGenerator - cpu.server - cpu.postgres);
  }
  const statements = await statementsPerRequest(stage, summary.requests + (summary.warmupRequests ?? 0));
  return { name, interaction, server, token, summary, cpu, statements };
}

/** Each workload again with the process that serves it under --cpu-prof, then restarted without. */
async function profile(stage: AccessStage, s: AccessSettings, out: string): Promise<AccessResult['profiles']> {
  const dir = path.join(out, 'profiles');
  fs.rmSync(dir, { recursive: true, force: true });
  const profiles: AccessResult['profiles'] = [];
  const workloads: [string, 'read' | 'create', AccessRow['token']][] = [
    ['baseline read', 'read', 'none'], ['FHIR read, patient token', 'read', 'patient'], ['FHIR read, system token', 'read', 'system'],
    ['baseline create', 'create', 'none'], ['FHIR create, patient token', 'create', 'patient'],
  ];
  for (const [workload, interaction, token] of workloads) {
    const which = token === 'none' ? 'baseline' : 'server';
    const name = `${workload.replace(/[^a-z]+/gi, '-').toLowerCase()}.cpuprofile`;
    await stage.restart(which, ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`]);
    const from = monotonicMicros() + s.warmupSeconds * 1e6;
    const row = await measureRow(stage, s, workload, interaction, token);
    const to = monotonicMicros();
    await stage.restart(which, []);
    const cpuMs = row.cpu.server === undefined ? undefined : (row.cpu.server * (to - from)) / 1000;
    profiles.push({ workload, summary: summariseProfile(path.join(dir, name), { from, to }, cpuMs) });
  }
  return profiles;
}

export async function runAccessBench(repo: string, out: string, s: AccessSettings, log: (line: string) => void): Promise<AccessResult> {
  const started = performance.now();
  log(`\n== access-controlled read and create against a bare node:http + pg baseline (${s.connections} connections)`);
  const stage = await startAccessStage(repo, out, s.patients, log);
  try {
    const checks = [...(await checkBaseline(stage, await stage.systemToken())), await confinementCheck(stage)];
    log(`   reading the ${stage.observationIds.length} Observations of Patient/${stage.patientId} in turn; creating one Observation body for that patient`);
    const auditBefore = await auditCount(stage);
    const plan: [string, 'read' | 'create', AccessRow['token']][] = [
      ['baseline read', 'read', 'none'], ['FHIR read, patient token', 'read', 'patient'], ['FHIR read, system token', 'read', 'system'],
      ['baseline create', 'create', 'none'], ['FHIR create, patient token', 'create', 'patient'], ['FHIR create, system token', 'create', 'system'],
    ];
    const measured: Omit<AccessRow, 'ofBaseline'>[] = [];
    for (const [name, interaction, token] of plan) {
      let row = await measureRow(stage, s, name, interaction, token);
      log(`   ${name}: ${fixed(row.summary.perSecond, 0)} req/s, p50 ${fixed(row.summary.p50, 2)} ms, p99 ${fixed(row.summary.p99, 2)} ms, ${row.summary.errors} errors`);
      // Other work on the machine takes cores from this row: measured again (once), the less disturbed run kept.
      if ((row.cpu.others ?? 0) > DISTURBED_CORES) {
        log(`   other processes kept ${fixed(row.cpu.others!, 2)} cores busy: measuring ${name} again`);
        const again = await measureRow(stage, s, name, interaction, token);
        log(`   ${name}: ${fixed(again.summary.perSecond, 0)} req/s, p50 ${fixed(again.summary.p50, 2)} ms, p99 ${fixed(again.summary.p99, 2)} ms, ${again.summary.errors} errors`);
        if ((again.cpu.others ?? 0) < row.cpu.others!) row = again;
        row.repeated = true;
      }
      measured.push(row);
    }
    const auditAfter = await auditCount(stage);
    const rows: AccessRow[] = measured.map((r) => {
      const baseline = measured.find((b) => b.server === 'baseline' && b.interaction === r.interaction)!;
      return { ...r, ofBaseline: r.summary.perSecond / baseline.summary.perSecond };
    });
    const profiles = s.profile ? await profile(stage, s, out) : [];
    const result: AccessResult = {
      settings: s, postgres: (await stage.query<{ server_version: string }>('SHOW server_version'))[0].server_version, patientObservations: stage.observationIds.length, checks, rows, targets: targetsOf(rows),
      auditRows: auditBefore && auditAfter ? { table: auditBefore.table, before: auditBefore.rows, after: auditAfter.rows } : undefined,
      profiles, seconds: (performance.now() - started) / 1000,
    };
    printAccess(result, log);
    return result;
  } finally {
    await stage.close();
  }
}
