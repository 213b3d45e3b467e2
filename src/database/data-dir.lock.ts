// One server per data folder: a lock file naming the holder (pid and start time), created atomically, so a
// second server fails clearly instead of sharing the cluster.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive, startTimeOf } from './process-identity';

export class DataDirInUseError extends Error {}

const ATTEMPTS = 5;

function holderAlive(content: string): { pid: number; alive: boolean } {
  const [pidText, started] = content.trim().split(' ');
  const pid = Number(pidText);
  // A recorded start time tells a live holder from an unrelated process that got the same pid later.
  const alive = isAlive(pid) && (!started || startTimeOf(pid) === started);
  return { pid, alive };
}

export class DataDirLock {
  private constructor(
    private readonly file: string,
    private readonly content: string,
  ) {}

  /** Takes the lock or throws DataDirInUseError naming the process that holds it; a stale lock is replaced. */
  static acquire(dataDir: string): DataDirLock {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, 'server.lock');
    const content = `${process.pid} ${startTimeOf('self')}`.trim();
    const staging = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(staging, content, { mode: 0o600 });
    try {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        try {
          // link() either creates the lock with its whole content or fails: no one sees it half-written.
          fs.linkSync(staging, file);
          return new DataDirLock(file, content);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        let held: string;
        try {
          held = fs.readFileSync(file, 'utf8');
        } catch {
          continue; // released in between: try again
        }
        const holder = holderAlive(held);
        if (holder.alive) {
          throw new DataDirInUseError(
            `The data folder ${dataDir} is in use by another server (process ${holder.pid}). ` +
              'Stop that server first, or give this one another DATA_DIR.',
          );
        }
        DataDirLock.breakStale(file, held);
      }
      throw new DataDirInUseError(`Could not lock the data folder ${dataDir}: other servers keep taking it.`);
    } finally {
      fs.rmSync(staging, { force: true });
    }
  }

  /** The process holding the folder's lock and whether it still runs; undefined when the folder is not locked. */
  static holder(dataDir: string): { pid: number; alive: boolean } | undefined {
    try {
      return holderAlive(fs.readFileSync(path.join(dataDir, 'server.lock'), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** Moves a stale lock aside; if another server replaced it in between, its lock is put back. */
  private static breakStale(file: string, stale: string): void {
    const aside = `${file}.stale.${randomBytes(4).toString('hex')}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      return; // someone else moved it
    }
    if (fs.readFileSync(aside, 'utf8') !== stale) {
      try {
        fs.linkSync(aside, file);
      } catch {
        // a third server holds it now; it stays the holder
      }
    }
    fs.rmSync(aside, { force: true });
  }

  release(): void {
    try {
      if (fs.readFileSync(this.file, 'utf8') === this.content) fs.rmSync(this.file, { force: true });
    } catch {
      // already gone
    }
  }
}
