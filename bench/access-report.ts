// The access benchmark's report: the table of rows beside the baseline, the SQL each request ran, the targets,
// and the CPU profiles when they were taken.
import * as path from 'node:path';
import type { AccessResult, AccessRow, AccessTarget } from './access-bench';
import { fixed, table } from './report';

export const ACCESS_TARGETS = { readShareOfBaseline: 0.7, readPerSecond: 2500, createShareOfBaseline: 0.6 };
/** CPU other processes may use during a row before the row is called disturbed. */
export const DISTURBED_CORES = 0.25;

export function targetsOf(rows: AccessRow[]): AccessTarget[] {
  const out: AccessTarget[] = [];
  for (const r of rows) {
    out.push({ name: `${r.name}: errors`, value: r.summary.errors ?? 0, target: '0', met: (r.summary.errors ?? 0) === 0 });
    if (r.server === 'baseline') continue;
    const share = r.interaction === 'read' ? ACCESS_TARGETS.readShareOfBaseline : ACCESS_TARGETS.createShareOfBaseline;
    out.push({ name: `${r.name}: share of baseline req/s`, value: r.ofBaseline, target: `>= ${share}`, met: r.ofBaseline >= share });
    if (r.interaction === 'read') {
      out.push({ name: `${r.name}: req/s`, value: r.summary.perSecond, target: `>= ${ACCESS_TARGETS.readPerSecond}`, met: r.summary.perSecond >= ACCESS_TARGETS.readPerSecond });
    }
  }
  return out;
}

export function printAccess(r: AccessResult, log: (line: string) => void): void {
  log(`\n-- access-controlled read and create, ${r.settings.connections} connections, ${r.settings.seconds} s each after ${r.settings.warmupSeconds} s of warm-up`);
  for (const c of r.checks) log(`   ${c}`);
  const cores = (n: number | undefined) => (n === undefined ? '?' : fixed(n, 2));
  const perRequest = (x: AccessRow) => (x.statements ? fixed(x.statements.reduce((n, st) => n + st.perRequest, 0), 2) : '?');
  const micros = (coresBusy: number | undefined, x: AccessRow) => (coresBusy === undefined ? '?' : fixed((coresBusy / x.summary.perSecond) * 1e6, 0));
  log(table(['row', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'of baseline', 'SQL/req', 'server µs/req', 'pg µs/req', 'cores gen+server+pg+irq+rest'],
    r.rows.map((x) => [x.name, x.summary.requests, fixed(x.summary.perSecond, 0), x.summary.p50, x.summary.p99, x.summary.errors ?? 0,
      `${fixed(x.ofBaseline * 100, 0)}%`, perRequest(x), micros(x.cpu.server, x), micros(x.cpu.postgres, x),
      `${cores(x.cpu.loadGenerator)}+${cores(x.cpu.server)}+${cores(x.cpu.postgres)}+${cores(x.cpu.interrupts)}+${cores(x.cpu.others)}`]), 2));
  for (const x of r.rows) for (const e of x.summary.errorSamples ?? []) log(`   error in ${x.name}: ${e}`);
  for (const x of r.rows) {
    if ((x.cpu.others ?? 0) > DISTURBED_CORES) log(`   WARNING ${x.name}: other processes kept ${fixed(x.cpu.others!, 2)} cores busy: this row is disturbed`);
    else if (x.repeated) log(`   ${x.name} was measured twice: the first run was disturbed by other work on the machine`);
  }
  for (const x of r.rows) {
    if (!x.statements) continue;
    log(`   SQL per request, ${x.name}:`);
    for (const st of x.statements) {
      log(`     ${fixed(st.perRequest, 2)} x (plan ${fixed(st.planMs, 3)} + run ${fixed(st.execMs, 3)} ms)  ${st.query.length > 130 ? `${st.query.slice(0, 127)}...` : st.query}`);
    }
  }
  if (r.auditRows) log(`   audit: ${r.auditRows.after - r.auditRows.before} rows added to ${r.auditRows.table} during the measurements`);
  else log('   audit: no audit table in this database');
  log(table(['access target', 'measured', 'target', ''], r.targets.map((t) => [t.name, t.value, t.target, t.met ? 'met' : 'NOT met']), 2));
  for (const p of r.profiles) {
    const offCpu = p.summary.cpuMs === undefined ? '' : `, of which ${fixed(Math.max(0, p.summary.busyMs - p.summary.cpuMs), 0)} ms waiting for a core`;
    log(`\nCPU profile, ${p.workload}: ${fixed(p.summary.busyMs, 0)} ms sampled busy of ${fixed(p.summary.wallMs, 0)} ms${offCpu} (${path.basename(p.summary.file)})`);
    log(table(['self time by area', 'ms', 'share'], p.summary.byArea.map((a) => [a.name, fixed(a.ms, 0), `${fixed(a.share * 100, 1)}%`])));
    log(table(['by nearest server file on the stack', 'ms', 'share'], p.summary.byServerFile.map((a) => [a.name, fixed(a.ms, 0), `${fixed(a.share * 100, 1)}%`])));
    log(table(['top functions (self)', 'ms', 'share'], p.summary.topFunctions.map((a) => [a.name, fixed(a.ms, 0), `${fixed(a.share * 100, 1)}%`])));
  }
}

