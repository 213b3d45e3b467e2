// A PostgreSQL left running by a server that was killed still holds its cluster: stop it before starting ours,
// but only after making sure the pid in postmaster.pid really is that PostgreSQL.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { commandLineOf, isAlive } from './process-identity';

export async function stopOrphanedPostmaster(clusterDir: string, timeoutMs = 30000): Promise<'none' | 'stopped' | 'stale-file'> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch {
    return 'none';
  }
  if (!isAlive(pid)) return 'none'; // PostgreSQL clears a stale file itself
  const command = commandLineOf(pid);
  if (!command || !/(^|\/)postgres /.test(command) || !command.includes(clusterDir)) {
    // The pid was reused by an unrelated process; PostgreSQL would refuse to start while it lives.
    fs.rmSync(pidFile, { force: true });
    return 'stale-file';
  }
  process.kill(pid, 'SIGINT'); // fast shutdown: the orphan's clients are gone anyway
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      throw new Error(`A PostgreSQL (process ${pid}) left by an earlier server still holds ${clusterDir} and did not stop; stop it by hand.`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return 'stopped';
}
