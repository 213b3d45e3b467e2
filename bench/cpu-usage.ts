// CPU time of this process (server and load generator share it) and of the PostgreSQL server (the postmaster
// and every process under it), to tell which side a phase of the benchmark keeps busy. Linux only (/proc);
// elsewhere PostgreSQL's share is reported as unknown.
import * as fs from 'node:fs';

/** /proc reports times in USER_HZ, which is 100 on Linux whatever the kernel's tick. */
const USER_HZ = 100;

export interface CpuSample {
  at: number;
  selfSeconds: number;
  postgresSeconds?: number;
}

export interface CpuShare {
  /** Cores kept busy on average over the interval. */
  serverProcessCores: number;
  postgresCores?: number;
}

/** Own CPU seconds of a process, and those of its children that have ended (and been waited for). */
function stat(pid: number): { ppid: number; seconds: number; endedChildren: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields after it are space separated.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      seconds: (Number(fields[11]) + Number(fields[12])) / USER_HZ,
      endedChildren: (Number(fields[13]) + Number(fields[14])) / USER_HZ,
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of `root` and all of its descendants, including those that have ended: the postmaster waits for
 * every backend it started, so their time moves into its children's total when they exit.
 */
function treeSeconds(root: number): number | undefined {
  if (!fs.existsSync('/proc')) return undefined;
  const children = new Map<number, number[]>();
  const seconds = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s) continue;
    seconds.set(Number(name), s.seconds);
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(name)]);
  }
  const top = stat(root);
  if (!top) return undefined;
  let total = top.endedChildren;
  const queue = [root];
  while (queue.length) {
    const pid = queue.pop()!;
    total += seconds.get(pid) ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

function command(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The postmaster of a backend: its parent process, when the server runs on this machine. */
export function postmasterOf(backendPid: number): number | undefined {
  const parent = stat(backendPid)?.ppid;
  if (parent === undefined || command(backendPid) !== 'postgres' || command(parent) !== 'postgres') return undefined;
  return parent;
}

/**
 * CPU seconds the whole machine has spent so far, over all cores, running processes (user and system time) and
 * serving interrupts (irq and softirq: much of loopback networking is accounted there, to no process); undefined
 * without /proc.
 */
export function machineSeconds(): { processes: number; interrupts: number } | undefined {
  try {
    const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    // user nice system idle iowait irq softirq (guest time is already counted in user; steal is not ours)
    const [user, nice, system, , , irq, softirq] = fields.map(Number);
    return { processes: (user + nice + system) / USER_HZ, interrupts: (irq + softirq) / USER_HZ };
  } catch {
    return undefined;
  }
}

/** CPU seconds of one process so far (undefined when it is gone or /proc is missing). */
export function processSeconds(pid: number): number | undefined {
  return stat(pid)?.seconds;
}

export function sampleCpu(postmaster: number | undefined): CpuSample {
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    selfSeconds: (own.user + own.system) / 1e6,
    postgresSeconds: postmaster === undefined ? undefined : treeSeconds(postmaster),
  };
}

export function cpuShare(from: CpuSample, to: CpuSample): CpuShare {
  const wall = (to.at - from.at) / 1000;
  return {
    serverProcessCores: (to.selfSeconds - from.selfSeconds) / wall,
    postgresCores: from.postgresSeconds === undefined || to.postgresSeconds === undefined ? undefined : (to.postgresSeconds - from.postgresSeconds) / wall,
  };
}
