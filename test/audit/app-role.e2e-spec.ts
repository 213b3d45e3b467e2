// The application's database role on the database owners a deployment may give it: a superuser (the embedded
// cluster, the tests), an owner that was granted the role, an owner with CREATEROLE, and an owner that can do
// neither (the server warns and runs as that owner; the triggers still keep audit_event append-only). Several
// servers starting at once make the role once, and the URL's own startup options are kept.
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { APP_ROLE, prepareAppRole } from '../../src/database/app-role';
import { createDataSource, openDataSource } from '../../src/database/database.providers';
import { createDatabase, dropDatabase, startTestCluster, TestCluster } from '../support/test-cluster';

let cluster: TestCluster;
let admin: Client;
const databases: string[] = [];
const roles: string[] = [];
const opened: DataSource[] = [];
const name = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

/** A login role (with `options`, e.g. CREATEROLE) owning a database of its own; the URL connects as it. */
async function ownedDatabase(options = ''): Promise<{ url: string; owner: string }> {
  const owner = name('audit_owner');
  roles.push(owner);
  await admin.query(`CREATE ROLE ${owner} LOGIN PASSWORD 'owner-password' ${options}`);
  const url = new URL(await createDatabase(cluster.adminUrl));
  databases.push(url.toString());
  await admin.query(`ALTER DATABASE ${url.pathname.slice(1)} OWNER TO ${owner}`);
  const own = new Client({ connectionString: url.toString() });
  await own.connect();
  await own.query(`ALTER SCHEMA public OWNER TO ${owner}`);
  await own.end();
  url.username = owner;
  url.password = 'owner-password';
  return { url: url.toString(), owner };
}

async function open(url: string): Promise<DataSource> {
  const ds = await openDataSource(url);
  opened.push(ds);
  return ds;
}

const whoAmI = async (ds: DataSource) => ((await ds.query('SELECT current_user AS role')) as { role: string }[])[0].role;
const ROW = "INSERT INTO audit_event (seq, id, recorded, content, prev_hash, hash) VALUES (1, 'x', now(), '{}', decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex'))";

beforeAll(async () => {
  cluster = await startTestCluster();
  admin = new Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  // As on a cluster where another server made it before: owned by someone else.
  await admin.query(`DO $$ BEGIN CREATE ROLE ${APP_ROLE} NOLOGIN NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
});
afterAll(async () => {
  for (const ds of opened) if (ds.isInitialized) await ds.destroy();
  for (const url of databases) await dropDatabase(cluster.adminUrl, url);
  for (const role of roles) await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.end();
  await cluster.stop();
});

it('runs as fhir_app on an owner that was granted it, which may only read and append to audit_event', async () => {
  const { url, owner } = await ownedDatabase();
  await admin.query(`GRANT ${APP_ROLE} TO ${owner}`);
  const ds = await open(url);
  expect(await whoAmI(ds)).toBe(APP_ROLE);
  await expect(ds.query(ROW)).resolves.toBeDefined();
  await expect(ds.query('SELECT count(*) FROM audit_event')).resolves.toEqual([{ count: '1' }]);
  await expect(ds.query('UPDATE audit_event SET content = content')).rejects.toThrow(/permission denied for table audit_event/);
  await expect(ds.query("INSERT INTO login_throttle (key, points) VALUES ('k', 1)")).resolves.toBeDefined();
  await expect(ds.query('DELETE FROM login_throttle')).resolves.toBeDefined();
  await expect(ds.query("INSERT INTO schema_migrations (timestamp, name) VALUES (1, 'x')")).rejects.toThrow(/permission denied/);
});

it('makes its own role on an owner with CREATEROLE, and takes it on', async () => {
  const { url } = await ownedDatabase('CREATEROLE');
  const migrated = await open(url); // as the owner's pool would: migrations first
  const role = name('fhir_app_own');
  roles.unshift(role); // dropped after its databases, before its creator
  const owner = createDataSource(url, { poolSize: 1 });
  await owner.initialize();
  opened.push(owner);
  expect(await prepareAppRole(owner, new Logger('test'), role)).toBe(role);
  const app = createDataSource(url, { role });
  await app.initialize();
  opened.push(app);
  expect(await whoAmI(app)).toBe(role);
  await expect(app.query('TRUNCATE audit_event')).rejects.toThrow(/permission denied/);
  // The shared fhir_app, made by someone else, it can neither take on nor grant itself: it runs as itself.
  expect(await whoAmI(migrated)).not.toBe(APP_ROLE);
});

it('warns and runs as an owner that can neither take on nor make the role; the triggers still refuse changes', async () => {
  const { url, owner } = await ownedDatabase();
  const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  try {
    const ds = await open(url);
    expect(await whoAmI(ds)).toBe(owner);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/runs as the connecting database role.*append-only through its triggers only.*GRANT fhir_app TO/s);
    await ds.query(ROW);
    await expect(ds.query('UPDATE audit_event SET content = content')).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(ds.query('DELETE FROM audit_event')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(ds.query('TRUNCATE audit_event')).rejects.toThrow(/append-only: TRUNCATE refused/);
  } finally {
    warn.mockRestore();
  }
});

it('is made once when several servers start at the same moment', async () => {
  const url = await createDatabase(cluster.adminUrl);
  databases.push(url);
  await open(url); // migrated
  const role = name('fhir_app_race');
  roles.unshift(role);
  const owners = await Promise.all(Array.from({ length: 4 }, async () => {
    const ds = createDataSource(url, { poolSize: 1 });
    await ds.initialize();
    opened.push(ds);
    return ds;
  }));
  const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  try {
    expect(await Promise.all(owners.map((ds) => prepareAppRole(ds, new Logger('test'), role)))).toEqual([role, role, role, role]);
    expect(warn).not.toHaveBeenCalled();
  } finally {
    warn.mockRestore();
  }
  expect((await admin.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', [role])).rows[0].n).toBe(1);
});

it('keeps the startup options the URL gives', async () => {
  const url = new URL(await createDatabase(cluster.adminUrl));
  databases.push(url.toString());
  url.searchParams.set('options', '-c statement_timeout=4321');
  const ds = await open(url.toString());
  expect(await whoAmI(ds)).toBe(APP_ROLE);
  expect(await ds.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '4321ms' }]);
});
