import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDirInUseError, DataDirLock } from './data-dir.lock';
import { stopOrphanedPostmaster } from './orphaned-postmaster';
import { startTimeOf } from './process-identity';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const lockFile = () => path.join(dir, 'server.lock');

describe('DataDirLock', () => {
  it('writes the holder, refuses a second holder while it lives, and is released', () => {
    const lock = DataDirLock.acquire(dir);
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe(`${process.pid} ${startTimeOf('self')}`);
    // Another live process holding it (the parent of this one stands in for a second server).
    lock.release();
    fs.writeFileSync(lockFile(), `${process.ppid} ${startTimeOf(process.ppid)}`);
    expect(() => DataDirLock.acquire(dir)).toThrow(DataDirInUseError);
    expect(() => DataDirLock.acquire(dir)).toThrow(new RegExp(`in use by another server \\(process ${process.ppid}\\)`));
    fs.rmSync(lockFile());
    DataDirLock.acquire(dir).release();
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  it('replaces the lock of a process that is gone', () => {
    fs.writeFileSync(lockFile(), '999999999 123');
    const lock = DataDirLock.acquire(dir);
    expect(fs.readFileSync(lockFile(), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    lock.release();
  });

  it('replaces the lock of a live pid that started at another time (a reused pid)', () => {
    fs.writeFileSync(lockFile(), `${process.ppid} 1`);
    DataDirLock.acquire(dir).release();
  });

  it('leaves no staging files behind', () => {
    DataDirLock.acquire(dir).release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('stopOrphanedPostmaster', () => {
  it('does nothing without a postmaster.pid', async () => {
    expect(await stopOrphanedPostmaster(dir)).toBe('none');
  });

  it('never signals a live process that is not this cluster\'s PostgreSQL, and clears the stale file', async () => {
    const bystander = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      fs.writeFileSync(path.join(dir, 'postmaster.pid'), `${bystander.pid}\n${dir}\n`);
      expect(await stopOrphanedPostmaster(dir)).toBe('stale-file');
      expect(bystander.exitCode).toBeNull();
      expect(() => process.kill(bystander.pid!, 0)).not.toThrow();
      expect(fs.existsSync(path.join(dir, 'postmaster.pid'))).toBe(false);
    } finally {
      bystander.kill('SIGKILL');
    }
  });
});
