// `npm start` as a user runs it: the built server starts its own PostgreSQL, reuses it, refuses a second
// server on the same data folder, stops cleanly on SIGTERM and SIGINT, and explains bad configuration.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres.launcher';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startServer(env: Record<string, string>): Running {
  const clean = { ...process.env };
  delete clean.DATABASE_URL;
  const child = spawn(process.execPath, [MAIN], { env: { ...clean, LOG_LEVEL: 'log', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(r: Running, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(r.output())) {
    if (r.child.exitCode !== null) throw new Error(`Server exited early:\n${r.output()}`);
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${pattern}:\n${r.output()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function postmasterRunning(dataDir: string): boolean {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return false;
  try {
    process.kill(Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]), 0);
    return true;
  } catch {
    return false;
  }
}

let dataDir: string;
beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error('Build the server first (npm run build): dist/src/main.js is missing');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-start-'));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

it('first start initialises a cluster; a second server on the same folder fails clearly; SIGTERM stops both', async () => {
  const port = await freePort();
  const first = startServer({ PORT: String(port), DATA_DIR: dataDir });
  await waitFor(first, /FHIR R4 server ready at http:\/\/localhost:\d+\/fhir/);
  expect(first.output()).toMatch(/Initialising a new PostgreSQL cluster/);
  const res = await fetch(`http://127.0.0.1:${port}/fhir/metadata`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { implementation: { url: string } }).implementation.url).toBe(`http://localhost:${port}/fhir`);
  const unauthenticated = await fetch(`http://127.0.0.1:${port}/fhir/Patient`);
  expect(unauthenticated.status).toBe(401);

  const second = startServer({ PORT: String(await freePort()), DATA_DIR: dataDir });
  expect(await second.exited).toBe(1);
  expect(second.output()).toMatch(/The data folder .* is in use by another server \(process \d+\)/);
  // The first server is unharmed.
  expect((await fetch(`http://127.0.0.1:${port}/fhir/metadata`)).status).toBe(200);

  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);
  expect(first.output()).toMatch(/Database closed/);
  expect(postmasterRunning(dataDir)).toBe(false);
  expect(fs.existsSync(path.join(dataDir, 'server.lock'))).toBe(false);
});

it('a later start reuses the cluster and its data, and SIGINT stops it cleanly', async () => {
  const port = await freePort();
  const again = startServer({ PORT: String(port), DATA_DIR: dataDir, PUBLIC_URL: 'https://fhir.example.org/base' });
  await waitFor(again, /FHIR R4 server ready at https:\/\/fhir.example.org\/base\/fhir/);
  expect(again.output()).not.toMatch(/Initialising/);
  expect(again.output()).toMatch(/PostgreSQL reused and started/);
  const cs = (await (await fetch(`http://127.0.0.1:${port}/fhir/metadata`)).json()) as { implementation: { url: string } };
  expect(cs.implementation.url).toBe('https://fhir.example.org/base/fhir');
  again.child.kill('SIGINT');
  expect(await again.exited).toBe(0);
  expect(postmasterRunning(dataDir)).toBe(false);
});

it('recovers the cluster after the server was killed outright', async () => {
  const port = await freePort();
  const killed = startServer({ PORT: String(port), DATA_DIR: dataDir });
  await waitFor(killed, /FHIR R4 server ready/);
  killed.child.kill('SIGKILL');
  await killed.exited;
  const next = startServer({ PORT: String(port), DATA_DIR: dataDir });
  await waitFor(next, /FHIR R4 server ready/);
  expect((await fetch(`http://127.0.0.1:${port}/fhir/metadata`)).status).toBe(200);
  next.child.kill('SIGTERM');
  expect(await next.exited).toBe(0);
  expect(postmasterRunning(dataDir)).toBe(false);
});

it('starts afresh after a first start that was cut short, and never touches a cluster it did not make', async () => {
  const cut = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-cut-'));
  const foreign = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-foreign-'));
  try {
    fs.mkdirSync(path.join(cut, 'pg'));
    fs.writeFileSync(path.join(cut, 'pg', 'PG_VERSION'), '18');
    fs.writeFileSync(path.join(cut, 'pg.initialising'), 'interrupted');
    const port = await freePort();
    const resumed = startServer({ PORT: String(port), DATA_DIR: cut });
    await waitFor(resumed, /FHIR R4 server ready/);
    expect(resumed.output()).toMatch(/Initialising a new PostgreSQL cluster/);
    resumed.child.kill('SIGHUP');
    expect(await resumed.exited).toBe(0);

    fs.mkdirSync(path.join(foreign, 'pg'));
    fs.writeFileSync(path.join(foreign, 'pg', 'precious'), 'data');
    const refused = startServer({ PORT: String(await freePort()), DATA_DIR: foreign });
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(/exists but was not initialised by this server/);
    expect(fs.readFileSync(path.join(foreign, 'pg', 'precious'), 'utf8')).toBe('data');
  } finally {
    fs.rmSync(cut, { recursive: true, force: true });
    fs.rmSync(foreign, { recursive: true, force: true });
  }
});

it('refuses bad configuration with one clear message per value', async () => {
  const bad = startServer({ PORT: 'eighty', PUBLIC_URL: 'ftp://x', DATABASE_URL: 'mysql://secret@host/db', DATA_DIR: dataDir });
  expect(await bad.exited).toBe(2);
  const out = bad.output();
  expect(out).toMatch(/PORT must be a whole number from 1 to 65535 \(got "eighty"\)/);
  expect(out).toMatch(/PUBLIC_URL must be an absolute http\(s\) URL/);
  expect(out).toMatch(/DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/);
  expect(out).not.toMatch(/secret/);
});
