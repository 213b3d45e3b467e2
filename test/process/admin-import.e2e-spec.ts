// The admin CLI as a user runs it (the built dist/src/admin/main.js, spawned): import of Synthea transaction
// Bundles (urn:uuid style), of the newer conditional style, and of NDJSON, checked over HTTP by a test app on the
// same database; reruns create nothing; reindex; usage errors; and the data folder of a running server.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres.launcher';
import { http } from '../support/clients';
import { ndjsonResources, NDJSON, patientTransactions, readJson, supportBatch, URN_BUNDLES } from '../support/synthea-fixtures';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

const ADMIN = path.join(__dirname, '..', '..', 'dist', 'src', 'admin', 'main.js');
const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

function admin(args: string[], env: Record<string, string>): Promise<Run> {
  const clean = { ...process.env };
  delete clean.DATABASE_URL;
  delete clean.DATA_DIR;
  const child = spawn(process.execPath, [ADMIN, ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => {
    let json: any;
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
    resolve({ code, stdout, stderr, json });
  }));
}

const parse = (res: { text: string }) => JSON.parse(res.text);

async function count(t: TestApp, type: string): Promise<number> {
  const res = await http(t).get(`/fhir/${type}?_summary=count`).set(AUTH);
  expect(res.status).toBe(200);
  return parse(res).total;
}

async function read(t: TestApp, ref: string): Promise<any> {
  const res = await http(t).get(`/fhir/${ref}`).set(AUTH);
  expect(res.status).toBe(200);
  return parse(res);
}

beforeAll(() => {
  if (!fs.existsSync(ADMIN)) throw new Error('Build first (npm run build): dist/src/admin/main.js is missing');
});

describe('import of Synthea transaction Bundles with urn:uuid references', () => {
  let t: TestApp;
  const files = fs.readdirSync(URN_BUNDLES).map((f) => readJson(path.join(URN_BUNDLES, f)));
  // The import keeps Synthea's uuids as ids: the expected resources are the distinct fullUrls per type.
  const expected = new Map<string, Set<string>>();
  for (const b of files) {
    for (const e of b.entry) {
      const set = expected.get(e.resource.resourceType) ?? new Set<string>();
      set.add(e.fullUrl.slice('urn:uuid:'.length));
      expected.set(e.resource.resourceType, set);
    }
  }
  const entries = files.reduce((n, b) => n + b.entry.length, 0);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('loads every resource with its references resolved, and prints a JSON summary', async () => {
    const run = await admin(['import', URN_BUNDLES], { DATABASE_URL: t.databaseUrl });
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ files: 3, skippedFiles: 0, bundles: 3, resources: entries, failed: 0, errors: [] });
    const distinct = [...expected.values()].reduce((n, s) => n + s.size, 0);
    expect(run.json.created).toBe(distinct);
    expect(run.json.created + run.json.updated + run.json.unchanged).toBe(entries);
    expect(run.json.resourcesPerSecond).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/260\/260 resources/);
    for (const [type, ids] of expected) expect(await count(t, type)).toBe(ids.size);

    const buster = files.find((b) => b.entry.some((e: any) => e.resource.name?.[0]?.family?.startsWith('Hoeger')))!;
    const patientId = buster.entry.find((e: any) => e.resource.resourceType === 'Patient').fullUrl.slice(9);
    const observation = buster.entry.find((e: any) => e.resource.resourceType === 'Observation');
    const stored = await read(t, `Observation/${observation.fullUrl.slice(9)}`);
    expect(stored.subject.reference).toBe(`Patient/${patientId}`);
    await read(t, stored.encounter.reference);
  });

  it('creates nothing on a rerun: every resource is unchanged or updated in place', async () => {
    const run = await admin(['import', URN_BUNDLES], { DATABASE_URL: t.databaseUrl });
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ created: 0, failed: 0 });
    expect(run.json.unchanged).toBeGreaterThan(entries - 10);
    for (const [type, ids] of expected) expect(await count(t, type)).toBe(ids.size);
    const patientId = [...expected.get('Patient')!][0];
    expect(parse(await http(t).get(`/fhir/Patient/${patientId}/_history`).set(AUTH)).entry).toHaveLength(1);
  });

  it('reindexes all resources or the types named', async () => {
    const some = await admin(['reindex', 'Patient', 'Observation'], { DATABASE_URL: t.databaseUrl });
    expect(some.code).toBe(0);
    expect(some.json.types).toEqual({ Observation: expected.get('Observation')!.size, Patient: expected.get('Patient')!.size });
    const all = await admin(['reindex'], { DATABASE_URL: t.databaseUrl });
    expect(all.code).toBe(0);
    expect(all.json.resources).toBe([...expected.values()].reduce((n, s) => n + s.size, 0));
    const patientId = [...expected.get('Patient')!][0];
    const found = parse(await http(t).get(`/fhir/Observation?subject=Patient/${patientId}&_summary=count`).set(AUTH));
    expect(found.total).toBeGreaterThan(0);
  });
});

describe('import of the newer Synthea style (conditional creates and conditional references)', () => {
  let t: TestApp;
  let dir: string;
  const byType = ndjsonResources();

  beforeAll(async () => {
    t = await startTestApp();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthea-conditional-'));
    // Named as Synthea names them, so they load before the patients that refer to them.
    fs.writeFileSync(path.join(dir, 'hospitalInformation1.json'), JSON.stringify(supportBatch([...byType.get('Organization')!, ...byType.get('Location')!])));
    fs.writeFileSync(path.join(dir, 'practitionerInformation1.json'), JSON.stringify(supportBatch(byType.get('Practitioner')!)));
    patientTransactions(byType).forEach((b, i) => fs.writeFileSync(path.join(dir, `Patient_${i}.json`), JSON.stringify(b)));
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads them in order and resolves the conditional references; a rerun creates nothing', async () => {
    const first = await admin(['import', dir], { DATABASE_URL: t.databaseUrl });
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({ files: 5, failed: 0, updated: 0, unchanged: 0 });
    for (const type of ['Organization', 'Location', 'Practitioner', 'Patient', 'Encounter']) {
      expect(await count(t, type)).toBe(byType.get(type)!.length);
    }
    const encounter = byType.get('Encounter')![0];
    const npi = encounter.participant[0].individual.reference.split('|')[1];
    const stored = await read(t, `Encounter/${encounter.id}`);
    const practitioner = await read(t, stored.participant[0].individual.reference);
    expect(practitioner.identifier[0].value).toBe(npi);

    const again = await admin(['import', dir], { DATABASE_URL: t.databaseUrl });
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({ created: 0, updated: 0, failed: 0, unchanged: first.json.resources });
    for (const type of ['Organization', 'Practitioner', 'Patient', 'Encounter']) expect(await count(t, type)).toBe(byType.get(type)!.length);
  });
});

describe('import of NDJSON', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('loads the resources under their own ids, skips what is not FHIR, and a rerun changes nothing', async () => {
    const byType = ndjsonResources();
    const total = [...byType.values()].reduce((n, list) => n + list.length, 0);
    const first = await admin(['import', NDJSON], { DATABASE_URL: t.databaseUrl });
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({ skippedFiles: 1, resources: total, created: total, failed: 0 });
    expect(first.stderr).toMatch(/Skipped log\.ndjson/);
    for (const [type, list] of byType) expect(await count(t, type)).toBe(list.length);
    const encounter = byType.get('Encounter')![0];
    const npi = encounter.participant[0].individual.reference.split('|')[1];
    const practitioner = byType.get('Practitioner')!.find((p) => p.identifier[0].value === npi)!;
    expect((await read(t, `Encounter/${encounter.id}`)).participant[0].individual.reference).toBe(`Practitioner/${practitioner.id}`);

    const again = await admin(['import', NDJSON], { DATABASE_URL: t.databaseUrl });
    expect(again.json).toMatchObject({ created: 0, updated: 0, unchanged: total, failed: 0 });
  });

  it('reports a bad line and loads the rest of its chunk', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndjson-bad-'));
    const lines = fs.readFileSync(path.join(NDJSON, 'Condition.000.ndjson'), 'utf8').trim().split('\n');
    const broken = JSON.parse(lines[1]);
    broken.clinicalStatus = 'not a CodeableConcept';
    fs.writeFileSync(path.join(dir, 'Condition.001.ndjson'), [lines[0], JSON.stringify(broken), '{not json', lines[2]].join('\n'));
    try {
      const run = await admin(['import', dir], { DATABASE_URL: t.databaseUrl });
      expect(run.code).toBe(1);
      expect(run.json).toMatchObject({ resources: 4, failed: 2 });
      expect(run.json.errors.map((e: any) => e.at).sort()).toEqual(['line 2', 'line 3']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('usage', () => {
  it.each([
    [[], /Usage: npm run -s admin -- <command>/],
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['import'], /import needs at least one file or folder/],
    [['import', '/no/such/folder'], /\/no\/such\/folder does not exist/],
    [['reindex', 'Patients'], /Not R4 resource types: Patients/],
  ])('%j exits 2 with a message on stderr and nothing on stdout', async (args, message) => {
    const run = await admin(args as string[], { DATABASE_URL: 'postgres://127.0.0.1:1/unused' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});

describe('without DATABASE_URL: the embedded cluster in DATA_DIR', () => {
  let dataDir: string;
  const oneBundle = path.join(URN_BUNDLES, 'Buster_Hoeger_ad2e3fc5-2b5d-4cb9-8d03-9ea0f4ac8423.json');
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-admin-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('uses the cluster of the server running there, and starts (and stops) it itself when none runs', async () => {
    const port = await freePort();
    const clean = { ...process.env };
    delete clean.DATABASE_URL;
    const server = spawn(process.execPath, [MAIN], { env: { ...clean, PORT: String(port), DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => server.on('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!/FHIR R4 server ready/.test(output)) {
        if (Date.now() > deadline || server.exitCode !== null) throw new Error(`Server did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const beside = await admin(['import', oneBundle], { DATA_DIR: dataDir });
      expect(beside.code).toBe(0);
      expect(beside.stderr).toMatch(/Using the PostgreSQL of the server running on/);
      expect(beside.json).toMatchObject({ created: 66, failed: 0 });
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
    expect(fs.existsSync(path.join(dataDir, 'pg.port'))).toBe(false);

    const alone = await admin(['import', oneBundle], { DATA_DIR: dataDir });
    expect(alone.code).toBe(0);
    expect(alone.stderr).not.toMatch(/Using the PostgreSQL of the server/);
    expect(alone.json).toMatchObject({ created: 0, unchanged: 66, failed: 0 });
    expect(fs.existsSync(path.join(dataDir, 'server.lock'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'pg.port'))).toBe(false);
  });
});
