// A server the benchmark runs as a process of its own (the FHIR server's dist main.js, the baseline): started
// with its environment, waited for until it answers HTTP, and stopped with SIGTERM so that it shuts down in order
// (and writes its CPU profile when started with --cpu-prof).
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface NodeProcess {
  pid: number;
  /** The last lines it wrote, for an error message. */
  output(): string;
  stop(): Promise<void>;
}

const KEEP_LINES = 40;

export async function startNodeProcess(
  name: string,
  script: string,
  options: { env: Record<string, string>; cwd: string; nodeArgs?: string[]; readyUrl: string; timeoutMs?: number },
): Promise<NodeProcess> {
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), script], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
    lines.splice(0, Math.max(0, lines.length - KEEP_LINES));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const handle: NodeProcess = {
    pid: child.pid!,
    output: () => lines.join('\n'),
    async stop() {
      if (exited !== undefined) return;
      const gone = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (exited !== undefined) throw new Error(`${name} exited with status ${exited} before it answered:\n${handle.output()}`);
    try {
      const res = await fetch(options.readyUrl);
      await res.arrayBuffer();
      if (res.status < 500) return handle;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`${name} did not answer ${options.readyUrl} in time:\n${handle.output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
