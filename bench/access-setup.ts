// The stage of the access benchmark: a database of its own, the FHIR server started from its compiled main.js as
// a process of its own, cloned Synthea patients loaded through it with a system token, the baseline server on
// the same database, and the real access tokens the measured requests carry.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../src/config/app.config';
import { freePort } from '../src/database/embedded-postgres.launcher';
import { FhirResource } from '../src/storage/stored-resource';
import { createDatabase, dropDatabase, startTestCluster, TestCluster } from '../test/support/test-cluster';
import { testClusterDir } from '../test/support/test-cluster-dir';
import { AccessTokens, BackendClient } from './access-tokens';
import { baselinePlan } from './baseline-plan';
import { postmasterOf } from './cpu-usage';
import { NodeProcess, startNodeProcess } from './node-process';
import { CloneFactory, templateFiles } from './synthea-clones';

export const SYSTEM_SCOPE = 'system/*.cruds';
export const PATIENT_SCOPE = 'patient/*.cruds';

export interface AccessStage {
  databaseUrl: string;
  /** Whether pg_stat_statements counts this database's statements. */
  statementStats: boolean;
  postmaster?: number;
  fhirBase: string;
  baselineBase: string;
  server: NodeProcess;
  baseline: NodeProcess;
  patientId: string;
  /** The patient's Observations, read in turn. */
  observationIds: string[];
  /** An Observation of another patient, which a patient token must not reach. */
  otherObservationId: string;
  /** An Observation of the patient without id and meta, the body of every create. */
  createBody: FhirResource;
  patientToken: string;
  /** A fresh token for each measurement: backend tokens live 300 seconds. */
  systemToken(): Promise<string>;
  /** Stops the FHIR server or the baseline and starts it again with these Node.js options (for --cpu-prof). */
  restart(which: 'server' | 'baseline', nodeArgs: string[]): Promise<void>;
  query<T>(sql: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const dist = path.join(__dirname, '..');

async function withDb<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/** Loads `patients` clones as transaction Bundles over HTTP, two in flight. */
async function seed(fhirBase: string, token: string, repo: string, patients: number): Promise<void> {
  const { files } = templateFiles(repo);
  const factory = new CloneFactory(files, 7, 3650);
  let next = 0;
  await Promise.all([0, 1].map(async () => {
    while (next < patients) {
      const clone = factory.make(next++);
      const res = await fetch(fhirBase, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
        body: clone.text,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`Loading a patient: HTTP ${res.status} ${text.slice(0, 500)}`);
    }
  }));
}

export async function startAccessStage(repo: string, out: string, patients: number, log: (line: string) => void): Promise<AccessStage> {
  let cluster: TestCluster = await startTestCluster();
  // The benchmark's own cluster counts statements (pg_stat_statements must be loaded at start).
  const statementStats = !process.env.DATABASE_URL;
  if (statementStats) {
    await withDb(cluster.adminUrl, async (db) => {
      await db.query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
      await db.query('ALTER SYSTEM SET pg_stat_statements.track_planning = on');
    });
    await cluster.stop();
    cluster = await startTestCluster();
  }
  const databaseUrl = await createDatabase(cluster.adminUrl);
  const stopping: (() => Promise<void>)[] = [async () => {
    await dropDatabase(cluster.adminUrl, databaseUrl);
    await cluster.stop();
    if (statementStats) fs.rmSync(testClusterDir(), { recursive: true, force: true });
  }];
  const close = async () => {
    for (const stop of stopping.reverse()) await stop().catch((err: unknown) => log(`   (while stopping: ${(err as Error).message})`));
  };
  try {
    const postmaster = await withDb(databaseUrl, async (db) => {
      if (statementStats) await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      return postmasterOf((await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    });

    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const fhirBase = `${publicUrl}/fhir`;
    const serverEnv = { DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: publicUrl, LOG_LEVEL: 'warn' };
    const startServer = (nodeArgs: string[]) => startNodeProcess('FHIR server', path.join(dist, 'src', 'main.js'), { env: serverEnv, cwd: repo, nodeArgs, readyUrl: `${fhirBase}/metadata` });
    let server = await startServer([]);
    const stopServer = async () => server.stop();
    stopping.push(stopServer);

    const work = fs.mkdtempSync(path.join(out, 'access-'));
    stopping.push(async () => fs.rmSync(work, { recursive: true, force: true }));
    const tokens = new AccessTokens(databaseUrl, publicUrl, path.join(dist, 'src', 'admin', 'main.js'), work);
    const backend: BackendClient = await tokens.registerBackend('bench backend service', SYSTEM_SCOPE);
    log(`   loading ${patients} cloned Synthea patients through the server with a system token`);
    await seed(fhirBase, await tokens.systemToken(backend, SYSTEM_SCOPE), repo, patients);
    await withDb(databaseUrl, (db) => db.query('VACUUM (ANALYZE)'));

    const [top] = await withDb(databaseUrl, async (db) => (await db.query<{ key: string; n: number }>(
      "SELECT k AS key, count(*)::int AS n FROM resource, unnest(compartments) k WHERE resource_type = 'Observation' AND NOT deleted GROUP BY k ORDER BY n DESC, k LIMIT 1")).rows);
    const patientId = top.key.slice('Patient/'.length);
    const observations = await withDb(databaseUrl, async (db) => (await db.query<{ id: string; content: string }>(
      "SELECT id, content FROM resource WHERE resource_type = 'Observation' AND NOT deleted AND compartments @> ARRAY[$1] ORDER BY id", [top.key])).rows);
    const [other] = await withDb(databaseUrl, async (db) => (await db.query<{ id: string }>(
      "SELECT id FROM resource WHERE resource_type = 'Observation' AND NOT deleted AND NOT compartments @> ARRAY[$1] ORDER BY id LIMIT 1", [top.key])).rows);
    const { id: _id, meta: _meta, ...createBody } = JSON.parse(observations.find((o) => o.content.includes('"valueQuantity"'))?.content ?? observations[0].content) as FhirResource;

    const appScope = `launch/patient openid fhirUser ${PATIENT_SCOPE}`;
    const appId = await tokens.registerApp('bench patient app', appScope);
    await tokens.addPatientUser('bench-patient', patientId);
    const launched = await tokens.patientToken(appId, 'bench-patient', appScope);
    if (launched.patient !== patientId || !launched.scope?.split(' ').includes(PATIENT_SCOPE)) {
      throw new Error(`The patient launch gave patient ${launched.patient} and scope "${launched.scope}"`);
    }
    const patientToken = launched.token;

    const planFile = path.join(work, 'baseline-plan.json');
    const config = loadConfig({ ...serverEnv }, repo);
    fs.writeFileSync(planFile, JSON.stringify(baselinePlan(config, createBody as FhirResource, 20)));
    const baselinePort = await freePort();
    const baselineBase = `http://127.0.0.1:${baselinePort}/fhir`;
    const startBaseline = (nodeArgs: string[]) => startNodeProcess('baseline server', path.join(__dirname, 'baseline.server.js'), {
      env: { DATABASE_URL: databaseUrl, PORT: String(baselinePort), BASELINE_PLAN: planFile }, cwd: repo, nodeArgs, readyUrl: `${baselineBase}/metadata`,
    });
    let baseline = await startBaseline([]);
    stopping.push(() => baseline.stop());

    return {
      databaseUrl, statementStats, postmaster, fhirBase, baselineBase,
      get server() {
        return server;
      },
      get baseline() {
        return baseline;
      },
      patientId,
      observationIds: observations.map((o) => o.id),
      otherObservationId: other.id,
      createBody: createBody as FhirResource,
      patientToken,
      systemToken: () => tokens.systemToken(backend, SYSTEM_SCOPE),
      async restart(which: 'server' | 'baseline', nodeArgs: string[]) {
        if (which === 'server') {
          await server.stop();
          server = await startServer(nodeArgs);
        } else {
          await baseline.stop();
          baseline = await startBaseline(nodeArgs);
        }
      },
      query: (sql, values = []) => withDb(databaseUrl, async (db) => (await db.query(sql, values)).rows),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
