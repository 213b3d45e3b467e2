// One server per data folder: a pid lock file, so a second server fails clearly instead of sharing the cluster.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class DataDirInUseError extends Error {}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DataDirLock {
  private constructor(private readonly file: string) {}

  /** Takes the lock or throws DataDirInUseError naming the process that holds it; a stale lock is replaced. */
  static acquire(dataDir: string): DataDirLock {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, 'server.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
        return new DataDirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number(fs.readFileSync(file, 'utf8').trim());
        if (holder !== process.pid && isAlive(holder)) {
          throw new DataDirInUseError(
            `The data folder ${dataDir} is in use by another server (process ${holder}). ` +
              'Stop that server first, or give this one another DATA_DIR.',
          );
        }
        fs.rmSync(file, { force: true });
      }
    }
    throw new DataDirInUseError(`Could not lock the data folder ${dataDir}.`);
  }

  release(): void {
    try {
      if (fs.readFileSync(this.file, 'utf8').trim() === String(process.pid)) fs.rmSync(this.file, { force: true });
    } catch {
      // already gone
    }
  }
}

/** A postmaster left running by a server that was killed holds the cluster; stop it before starting ours. */
export async function stopOrphanedPostmaster(clusterDir: string, timeoutMs = 30000): Promise<boolean> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return false;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!isAlive(pid)) return false;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return true;
}
