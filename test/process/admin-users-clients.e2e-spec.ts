// The admin CLI's user and client commands as a user runs them (the built dist/src/admin/main.js, spawned) on the
// database of a running test app: every subcommand and client kind, one JSON document on stdout, the rows they
// write (argon2id hashes, sealed secrets), the running app seeing each change at once, and the usage errors.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { ClientsRepository } from '../../src/smart/clients.repository';
import { UsersRepository } from '../../src/smart/users.repository';
import { fhirClient } from '../support/clients';
import { startTestApp, TestApp } from '../support/test-app';

const ADMIN = path.join(__dirname, '..', '..', 'dist', 'src', 'admin', 'main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function admin(args: string[], databaseUrl: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
  delete env.DATA_DIR;
  const child = spawn(process.execPath, [ADMIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Runs a command that must succeed; its stdout must be exactly one JSON document, which is returned. */
async function ok(args: string[], databaseUrl: string): Promise<any> {
  const run = await admin(args, databaseUrl);
  if (run.code !== 0) throw new Error(`${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
  expect(run.stdout.endsWith('}\n') || run.stdout.endsWith(']\n')).toBe(true);
  return JSON.parse(run.stdout);
}

/** Runs a command that must fail with `code`, a message on stderr and nothing on stdout. */
async function fails(args: string[], databaseUrl: string, code: number, message: RegExp): Promise<void> {
  const run = await admin(args, databaseUrl);
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code, stdout: '' });
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/^\s*[{[]/m);
}

let dir: string;
const file = (name: string) => path.join(dir, name);
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a different passphrase 2';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const rsaPublic = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS384', use: 'sig' };
const ecPublic = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1' };

beforeAll(() => {
  if (!fs.existsSync(ADMIN)) throw new Error('Build first (npm run build): dist/src/admin/main.js is missing');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-admin-users-'));
  const write = (name: string, content: unknown) => fs.writeFileSync(file(name), typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
  write('password', `${PASSWORD}\n`);
  write('new-password', NEW_PASSWORD);
  write('twelve', 'abcdefghijkl\n');
  write('short', 'eleven char\n');
  write('rsa.jwks', { keys: [rsaPublic] });
  write('ec.jwks', { keys: [ecPublic] });
  write('private.jwks', { keys: [{ ...rsa.privateKey.export({ format: 'jwk' }), kid: 'leaked' }] });
  write('oct.jwks', { keys: [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ', kid: 'hmac' }] });
  write('okp.jwks', { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }] });
  write('bad-point.jwks', { keys: [{ kty: 'EC', crv: 'P-384', x: 'AAAA', y: 'AAAA', kid: 'broken' }] });
  write('not-a-set.jwks', rsaPublic);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('on the database of a running server', () => {
  let t: TestApp;
  let db: Client;
  let patientId: string;
  let practitionerId: string;
  let deletedPatientId: string;
  const cli = (...args: string[]) => ok(args, t.databaseUrl);
  const refuse = (code: number, message: RegExp, ...args: string[]) => fails(args, t.databaseUrl, code, message);

  beforeAll(async () => {
    t = await startTestApp();
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    const fhir = fhirClient(t);
    patientId = (await fhir.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family: 'Shaw' }] } })).id;
    practitionerId = (await fhir.create({ resourceType: 'Practitioner', body: { resourceType: 'Practitioner', name: [{ family: 'Grey' }] } })).id;
    deletedPatientId = (await fhir.create({ resourceType: 'Patient', body: { resourceType: 'Patient' } })).id;
    await fhir.delete({ resourceType: 'Patient', id: deletedPatientId });
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  describe('users', () => {
    const verify = (username: string, password: string) => t.app.get(UsersRepository).verify(username, password);

    it('adds a patient linked to a Patient: argon2id hash, one trailing newline of the file dropped, usable at once', async () => {
      const user = await cli('user', 'add', '--username', 'amy.shaw@example.org', '--password-file', file('password'), '--role', 'patient', '--fhir-user', `Patient/${patientId}`);
      expect(Object.keys(user)).toEqual(['id', 'username', 'role', 'fhir_user', 'disabled', 'created']);
      expect(user).toMatchObject({ username: 'amy.shaw@example.org', role: 'patient', fhir_user: `Patient/${patientId}`, disabled: false });
      expect(Date.parse(user.created)).not.toBeNaN();
      const row = (await db.query('SELECT * FROM app_user WHERE id = $1', [user.id])).rows[0];
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.password_hash).not.toContain(PASSWORD);
      expect((await verify('amy.shaw@example.org', PASSWORD))?.id).toBe(user.id);
      expect(await verify('amy.shaw@example.org', `${PASSWORD}\n`)).toBeUndefined();
    });

    it('adds a practitioner linked to a Practitioner, and an admin without a FHIR user (12 characters is enough)', async () => {
      const doctor = await cli('user', 'add', '--username', 'dr_grey', '--password-file', file('password'), '--role', 'practitioner', `--fhir-user=Practitioner/${practitionerId}`);
      expect(doctor).toMatchObject({ username: 'dr_grey', role: 'practitioner', fhir_user: `Practitioner/${practitionerId}` });
      const root = await cli('user', 'add', '--username', 'root-1', '--password-file', file('twelve'), '--role', 'admin');
      expect(root).toMatchObject({ username: 'root-1', role: 'admin', fhir_user: null, disabled: false });
      expect(await verify('root-1', 'abcdefghijkl')).toBeDefined();
    });

    it('refuses a duplicate username and a FHIR user that does not exist or was deleted (exit 1)', async () => {
      await refuse(1, /A user named "dr_grey" already exists/, 'user', 'add', '--username', 'dr_grey', '--password-file', file('password'), '--role', 'admin');
      await refuse(1, /Patient\/nobody does not exist/, 'user', 'add', '--username', 'nobody', '--password-file', file('password'), '--role', 'patient', '--fhir-user', 'Patient/nobody');
      await refuse(1, /does not exist on this server \(or was deleted\)/, 'user', 'add', '--username', 'gone', '--password-file', file('password'), '--role', 'patient', '--fhir-user', `Patient/${deletedPatientId}`);
      await refuse(1, /Practitioner\/p-404 does not exist/, 'user', 'add', '--username', 'p404', '--password-file', file('password'), '--role', 'practitioner', '--fhir-user', 'Practitioner/p-404');
      expect((await db.query('SELECT count(*)::int AS n FROM app_user')).rows[0].n).toBe(3);
    });

    it('sets a new password: the old one stops working at once', async () => {
      const user = await cli('user', 'passwd', '--username', 'dr_grey', '--password-file', file('new-password'));
      expect(user).toMatchObject({ username: 'dr_grey', role: 'practitioner' });
      expect(await verify('dr_grey', PASSWORD)).toBeUndefined();
      expect((await verify('dr_grey', NEW_PASSWORD))?.id).toBe(user.id);
      await refuse(1, /No user is named "ghost"/, 'user', 'passwd', '--username', 'ghost', '--password-file', file('new-password'));
    });

    it('disables and enables a user, seen by the running server at once', async () => {
      expect(await cli('user', 'disable', '--username', 'amy.shaw@example.org')).toMatchObject({ username: 'amy.shaw@example.org', disabled: true });
      expect(await verify('amy.shaw@example.org', PASSWORD)).toBeUndefined();
      expect(await cli('user', 'enable', '--username', 'amy.shaw@example.org')).toMatchObject({ disabled: false });
      expect(await verify('amy.shaw@example.org', PASSWORD)).toBeDefined();
      await refuse(1, /No user is named "ghost"/, 'user', 'disable', '--username', 'ghost');
    });

    it('lists the users by name, without passwords or hashes', async () => {
      await cli('user', 'disable', '--username', 'root-1');
      const run = await admin(['user', 'list'], t.databaseUrl);
      expect(run.code).toBe(0);
      expect(run.stdout).not.toMatch(/argon2|password|hash/i);
      const users = JSON.parse(run.stdout);
      expect(users.map((u: any) => [u.username, u.role, u.disabled])).toEqual([
        ['amy.shaw@example.org', 'patient', false], ['dr_grey', 'practitioner', false], ['root-1', 'admin', true]]);
    });
  });

  describe('clients', () => {
    const metadata = (id: string) => t.app.get(ClientsRepository).metadata(id);
    const ids: Record<string, string> = {};
    let secret: string;

    it('registers a public app with redirect and launch URLs (http on loopback) and SMART v1/v2 scopes', async () => {
      const scope = 'openid fhirUser launch launch/patient patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory patient/Patient.read offline_access';
      const app = await cli('client', 'add', '--name', 'Growth Chart', '--kind', 'public', '--redirect-uri', 'https://growth.example.org/callback',
        '--redirect-uri', 'http://localhost:9000/cb', '--launch-uri', 'https://growth.example.org/launch', '--scope', scope);
      expect(Object.keys(app)).toEqual(['client_id', 'client_name', 'kind', 'redirect_uris', 'launch_uri', 'scope', 'disabled', 'created']);
      expect(app).toMatchObject({ client_name: 'Growth Chart', kind: 'public', redirect_uris: ['https://growth.example.org/callback', 'http://localhost:9000/cb'],
        launch_uri: 'https://growth.example.org/launch', scope, disabled: false });
      ids.public = app.client_id;
      const row = (await db.query('SELECT * FROM oauth_client WHERE client_id = $1', [app.client_id])).rows[0];
      expect(row).toMatchObject({ kind: 'public', secret_sealed: null, scope });
      expect(await metadata(app.client_id)).toMatchObject({ token_endpoint_auth_method: 'none', redirect_uris: app.redirect_uris });
    });

    it('registers a confidential app: the secret is printed once and kept sealed', async () => {
      const app = await cli('client', 'add', '--name', 'Chart Review', '--kind', 'confidential', '--redirect-uri', 'https://review.example.org/cb',
        '--redirect-uri', 'http://[::1]:8080/cb', '--scope', 'openid fhirUser launch user/*.read user/Observation.cruds');
      expect(Object.keys(app)).toEqual(['client_id', 'client_secret', 'client_name', 'kind', 'redirect_uris', 'scope', 'disabled', 'created']);
      expect(app.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      ids.confidential = app.client_id;
      secret = app.client_secret;
      const row = (await db.query('SELECT secret_sealed FROM oauth_client WHERE client_id = $1', [app.client_id])).rows[0];
      expect(typeof row.secret_sealed).toBe('string');
      expect(row.secret_sealed).not.toBe(secret);
      expect(row.secret_sealed).not.toContain(secret);
      expect(await metadata(app.client_id)).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', client_secret: secret });
    });

    it('registers an asymmetric app with a JWK Set file of public keys', async () => {
      const app = await cli('client', 'add', '--name', 'Key App', '--kind', 'asymmetric', '--redirect-uri', 'https://keys.example.org/cb',
        '--jwks', file('rsa.jwks'), '--scope', 'openid fhirUser patient/*.rs');
      expect(app).toMatchObject({ kind: 'asymmetric', jwks: { keys: [rsaPublic] }, scope: 'openid fhirUser patient/*.rs' });
      expect(app.client_secret).toBeUndefined();
      ids.asymmetric = app.client_id;
      expect((await db.query('SELECT jwks FROM oauth_client WHERE client_id = $1', [app.client_id])).rows[0].jwks).toEqual({ keys: [rsaPublic] });
      expect(await metadata(app.client_id)).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [rsaPublic] } });
    });

    it('registers backend services with a jwks_uri or a JWK Set, system/ scopes only', async () => {
      const byUri = await cli('client', 'add', '--name', 'Nightly Export', '--kind', 'backend', '--jwks-uri', 'https://export.example.org/.well-known/jwks.json',
        '--scope', 'system/Patient.rs  system/Observation.read');
      expect(Object.keys(byUri)).toEqual(['client_id', 'client_name', 'kind', 'redirect_uris', 'jwks_uri', 'scope', 'disabled', 'created']);
      expect(byUri).toMatchObject({ kind: 'backend', redirect_uris: [], jwks_uri: 'https://export.example.org/.well-known/jwks.json', scope: 'system/Patient.rs system/Observation.read' });
      // export.example.org cannot be reached from here: the provider gets an empty key set, so the client cannot authenticate.
      expect(await metadata(byUri.client_id)).toMatchObject({ grant_types: ['client_credentials'], jwks: { keys: [] } });
      const byKeys = await cli('client', 'add', '--name', 'Lab Feed', '--kind', 'backend', '--jwks', file('ec.jwks'), '--scope', 'system/*.cruds');
      expect(byKeys).toMatchObject({ kind: 'backend', jwks: { keys: [ecPublic] }, scope: 'system/*.cruds' });
      ids.backendUri = byUri.client_id;
      ids.backendKeys = byKeys.client_id;
    });

    it('lists every client without secrets', async () => {
      const run = await admin(['client', 'list'], t.databaseUrl);
      expect(run.code).toBe(0);
      expect(run.stdout).not.toContain(secret);
      const list = JSON.parse(run.stdout);
      expect(list.map((c: any) => c.client_id)).toEqual([ids.public, ids.confidential, ids.asymmetric, ids.backendUri, ids.backendKeys]);
      expect(list.map((c: any) => c.kind)).toEqual(['public', 'confidential', 'asymmetric', 'backend', 'backend']);
      expect(list.every((c: any) => c.client_secret === undefined)).toBe(true);
    });

    it('rotates a confidential secret: the running server knows only the new one at once', async () => {
      const rotated = await cli('client', 'rotate-secret', '--client-id', ids.confidential);
      expect(rotated).toMatchObject({ client_id: ids.confidential, kind: 'confidential' });
      expect(rotated.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(rotated.client_secret).not.toBe(secret);
      expect((await metadata(ids.confidential))?.client_secret).toBe(rotated.client_secret);
      await refuse(1, /is public: only confidential clients have a secret/, 'client', 'rotate-secret', '--client-id', ids.public);
      await refuse(1, /No client has the id "no-such-client"/, 'client', 'rotate-secret', '--client-id', 'no-such-client');
    });

    it('disables and enables a client, seen by the running server at once', async () => {
      expect(await cli('client', 'disable', '--client-id', ids.backendUri)).toMatchObject({ client_id: ids.backendUri, disabled: true });
      expect(await metadata(ids.backendUri)).toBeUndefined();
      expect(await cli('client', 'enable', '--client-id', ids.backendUri)).toMatchObject({ disabled: false });
      expect(await metadata(ids.backendUri)).toBeDefined();
      await refuse(1, /No client has the id "no-such-client"/, 'client', 'disable', '--client-id', 'no-such-client');
    });
  });
});

describe('usage errors: exit 2, a message on stderr, nothing on stdout, nothing written', () => {
  const UNUSED = 'postgres://127.0.0.1:1/unused';
  const user = (...more: string[]) => ['user', 'add', '--username', 'bob', '--password-file', file('password'), ...more];
  const app = (kind: string, ...more: string[]) => ['client', 'add', '--name', 'X', '--kind', kind, ...more];
  const R = ['--redirect-uri', 'https://app.example.org/cb'];
  const cases: [string, () => string[], RegExp][] = [
    ['no subcommand', () => ['user'], /user needs a subcommand: add, passwd, disable, enable, list/],
    ['unknown subcommand', () => ['client', 'remove'], /Unknown subcommand "client remove"/],
    ['a password on the command line', () => ['user', 'add', '--username', 'bob', '--password', 'hunter2hunter2', '--role', 'admin'], /Passwords are not taken on the command line/],
    ['--password=', () => ['user', 'passwd', '--username', 'bob', '--password=hunter2hunter2'], /Passwords are not taken on the command line/],
    ['a short password', () => ['user', 'add', '--username', 'bob', '--password-file', file('short'), '--role', 'admin'], /too short: at least 12 characters/],
    ['a missing password file', () => ['user', 'add', '--username', 'bob', '--password-file', file('nope'), '--role', 'admin'], /cannot be read: it does not exist/],
    ['a bad username', () => ['user', 'add', '--username', 'b!', '--password-file', file('password'), '--role', 'admin'], /Username "b!": 3 to 64 characters/],
    ['a long username', () => ['user', 'disable', '--username', 'x'.repeat(65)], /3 to 64 characters/],
    ['an unknown role', () => user('--role', 'nurse'), /--role must be one of patient, practitioner, admin/],
    ['a patient without --fhir-user', () => user('--role', 'patient'), /A patient needs --fhir-user Patient\/ID/],
    ['a patient linked to a Practitioner', () => user('--role', 'patient', '--fhir-user', 'Practitioner/1'), /does not suit the role patient/],
    ['a practitioner linked to a Patient', () => user('--role', 'practitioner', '--fhir-user', 'Patient/1'), /does not suit the role practitioner/],
    ['no --role', () => user(), /user add needs --role/],
    ['passwd without a file', () => ['user', 'passwd', '--username', 'bob'], /user passwd needs --password-file/],
    ['a stray argument', () => ['user', 'list', 'all'], /user list: unexpected argument "all"/],
    ['an option twice', () => user('--role', 'admin', '--role', 'patient'), /--role may be given once only/],
    ['a private JWK', () => app('asymmetric', ...R, '--jwks', file('private.jwks'), '--scope', 'openid'), /holds private key material \(d, p, q, dp, dq, qi\): register the public keys only/],
    ['a symmetric JWK', () => app('backend', '--jwks', file('oct.jwks'), '--scope', 'system/*.rs'), /holds private key material \(k\)/],
    ['an OKP key', () => app('backend', '--jwks', file('okp.jwks'), '--scope', 'system/*.rs'), /must be an RSA or EC key/],
    ['a key that does not parse', () => app('backend', '--jwks', file('bad-point.jwks'), '--scope', 'system/*.rs'), /\(kid broken\) is not a usable ES384 key/],
    ['a JWK that is not a set', () => app('backend', '--jwks', file('not-a-set.jwks'), '--scope', 'system/*.rs'), /must hold a JWK Set/],
    ['a missing JWKS file', () => app('backend', '--jwks', file('nope.jwks'), '--scope', 'system/*.rs'), /cannot be read: it does not exist/],
    ['plain http off loopback', () => app('public', '--redirect-uri', 'http://app.example.org/cb', '--scope', 'openid'), /must be https \(http only for localhost/],
    ['a fragment', () => app('public', '--redirect-uri', 'https://app.example.org/cb#top', '--scope', 'openid'), /may not have a fragment/],
    ['a relative URL', () => app('public', '--redirect-uri', '/cb', '--scope', 'openid'), /"\/cb" is not an absolute URL/],
    ['a launch URL on http', () => app('public', ...R, '--launch-uri', 'http://app.example.org/launch', '--scope', 'launch'), /--launch-uri .* must be https/],
    ['an app without a redirect URL', () => app('confidential', '--scope', 'openid'), /A confidential app needs at least one --redirect-uri/],
    ['a backend with a redirect URL', () => app('backend', ...R, '--jwks-uri', 'https://k.example.org/jwks', '--scope', 'system/*.rs'), /A backend service takes no --redirect-uri/],
    ['a backend with user scopes', () => app('backend', '--jwks-uri', 'https://k.example.org/jwks', '--scope', 'system/*.rs user/*.rs'), /may only have system\/ scopes, not user\/\*\.rs/],
    ['an app with system scopes', () => app('public', ...R, '--scope', 'openid system/Patient.read'), /may not have system\/ scopes: system\/Patient\.read/],
    ['malformed scopes', () => app('public', ...R, '--scope', 'patient/Observation.sr patient/Foo.read email'), /Not valid scopes: "patient\/Observation\.sr" .*"patient\/Foo\.read" \(Foo is not an R4 resource type\), "email"/],
    ['a restriction on a v1 scope', () => app('public', ...R, '--scope', 'patient/Observation.read?code=1234'), /a \?restriction needs the v2 form/],
    ['no scope', () => app('public', ...R), /client add needs --scope/],
    ['a restriction that is not param=value', () => app('public', ...R, '--scope', 'patient/Observation.rs?category'), /param=value pairs joined by &/],
    ['asymmetric without keys', () => app('asymmetric', ...R, '--scope', 'openid'), /needs exactly one of --jwks FILE and --jwks-uri URL/],
    ['both --jwks and --jwks-uri', () => app('backend', '--jwks', file('ec.jwks'), '--jwks-uri', 'https://k.example.org/jwks', '--scope', 'system/*.rs'), /needs exactly one of --jwks FILE/],
    ['a jwks_uri on http', () => app('backend', '--jwks-uri', 'http://localhost/jwks', '--scope', 'system/*.rs'), /--jwks-uri "http:\/\/localhost\/jwks" must be https/],
    ['keys for a public app', () => app('public', ...R, '--jwks', file('ec.jwks'), '--scope', 'openid'), /A public app has no keys/],
    ['an unknown kind', () => app('native', ...R, '--scope', 'openid'), /--kind must be one of public, confidential, asymmetric, backend/],
    ['an option without its value', () => ['client', 'add', '--name', 'X', '--kind', 'public', '--scope', 'openid', '--redirect-uri'], /--redirect-uri needs a value/],
    ['disable without --client-id', () => ['client', 'disable'], /client disable needs --client-id/],
  ];

  it.each(cases)('%s', async (_what, args, message) => {
    await fails(args(), UNUSED, 2, message);
  });
});
