// Where a server process spent its CPU time, from the .cpuprofile that `node --cpu-prof` writes on exit, within
// a window of the monotonic clock (the profile's timestamps are process.hrtime's, so start-up and shut-down are
// left out): the sampled time by library or part of the server a function belongs to (self time), by the server
// file nearest to the sample on the synchronous stack (so library time counts for the code that called it), and
// the functions with the most self time.
import * as fs from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileShare {
  name: string;
  ms: number;
  /** Of the busy (not idle) time. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  /** Sampled time not idle. The sampler runs on wall-clock time: a thread waiting for a core inside a system
   * call (a socket write that wakes PostgreSQL, a hand-off to the thread pool) is counted as busy there. */
  busyMs: number;
  /** CPU time the process used in the window, when known: busyMs minus this was spent waiting for a core. */
  cpuMs?: number;
  byArea: ProfileShare[];
  byServerFile: ProfileShare[];
  topFunctions: ProfileShare[];
}

/** Libraries and server folders, first match wins; other libraries go by their package name. */
const AREAS: [RegExp, string][] = [
  [/node_modules\/jose\//, 'jose (JWT verification)'],
  [/node_modules\/(pg|pg-protocol|pg-types|pg-pool|postgres-[a-z]+)\//, 'pg driver'],
  [/node_modules\/typeorm\//, 'typeorm'],
  [/node_modules\/(fastify|@fastify|find-my-way|light-my-request|avvio|fast-json-stringify|fast-querystring|secure-json-parse|toad-cache|abstract-logging|pino[^/]*)\//, 'Fastify'],
  [/node_modules\/(@nestjs|rxjs|reflect-metadata|path-to-regexp)\//, 'Nest (with rxjs)'],
  [/node_modules\/(passport|passport-strategy)\//, 'passport'],
  [/node_modules\/(oidc-provider|koa|@koa)[^/]*\//, 'oidc-provider (mounted /auth)'],
  [/node_modules\/fhirpath\//, 'fhirpath'],
  [/\/src\/auth\//, 'server: src/auth'],
  [/\/src\/access\//, 'server: src/access'],
  [/\/src\/audit\//, 'server: src/audit'],
  [/\/src\/validation\//, 'server: src/validation'],
  [/\/src\/search\//, 'server: src/search'],
  [/\/src\/(storage|database)\//, 'server: src/storage'],
  [/\/src\/(http|interactions|outcome)\//, 'server: src/http, interactions, outcome'],
  [/\/src\//, 'server: other src'],
  [/^node:internal\/crypto\//, 'Node.js crypto (token signature checks, hashes)'],
  [/^node:|^internal\//, 'Node.js (http, streams, timers)'],
];

function area(frame: CallFrame): string {
  if (frame.url === '') {
    if (frame.functionName === '(garbage collector)') return 'garbage collection';
    if (frame.functionName === '(idle)') return '(idle)';
    if (frame.functionName === '(program)') return 'V8 and native (program)';
    if (/^(writev|writeBuffer|writeUtf8String|writeLatin1String|writeAsciiString|shutdown)$/.test(frame.functionName)) return 'socket writes (system calls)';
    return 'native (JSON, RegExp, crypto bindings)';
  }
  for (const [pattern, name] of AREAS) if (pattern.test(frame.url)) return name;
  const library = /node_modules\/(@[^/]+\/[^/]+|[^/]+)\//.exec(frame.url);
  return library ? library[1] : 'other';
}

function serverFile(url: string): string | undefined {
  const m = /\/src\/(.+?)\.js$/.exec(url);
  return m && !url.includes('node_modules') ? `src/${m[1]}` : undefined;
}

function shares(totals: Map<string, number>, busyMs: number, limit: number): ProfileShare[] {
  return [...totals.entries()]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms]) => ({ name, ms, share: ms / busyMs }));
}

/** Microseconds of the monotonic clock, as the profile's timestamps. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function summariseProfile(file: string, window: { from: number; to: number }, cpuMs?: number): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // The nearest server file on each node's stack, leaf first.
  const nearest = new Map<number, string>();
  const nearestOf = (id: number): string => {
    const known = nearest.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const own = serverFile(node.callFrame.url);
    const up = parent.get(id);
    const found = own ?? (up === undefined ? '(no server code on the stack)' : nearestOf(up));
    nearest.set(id, found);
    return found;
  };
  const areas = new Map<string, number>();
  const files = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyUs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at < window.from || at > window.to) return;
    const node = byId.get(id)!;
    const a = area(node.callFrame);
    areas.set(a, (areas.get(a) ?? 0) + us / 1000);
    if (a === '(idle)') return;
    busyUs += us;
    const f = nearestOf(id);
    files.set(f, (files.get(f) ?? 0) + us / 1000);
    const where = node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist-bench\//, '').replace(/^file:\/\//, '');
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${where}${where ? `:${node.callFrame.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us / 1000);
  });
  const busyMs = busyUs / 1000;
  return {
    file,
    wallMs: (Math.min(window.to, profile.endTime) - Math.max(window.from, profile.startTime)) / 1000,
    busyMs,
    cpuMs,
    byArea: shares(areas, busyMs, 20),
    byServerFile: shares(files, busyMs, 15),
    topFunctions: shares(functions, busyMs, 15),
  };
}
