// Loads cloned Synthea patients through the server's import path, a transaction Bundle per patient with a few
// Bundles in flight, and times it: by default in process through the transaction code the admin CLI's import
// uses (BENCH_IMPORT_VIA=cli), or POSTed to [base] over HTTP (BENCH_IMPORT_VIA=http).
// https://hl7.org/fhir/R4/http.html#transaction
import { performance } from 'node:perf_hooks';
import { BundleInteraction } from '../src/interactions/bundle/bundle.interaction';
import { AccessContext } from '../src/access/access-context';
import { AccessScope } from '../src/access/access-scope';
import { AUTH, TestApp } from '../test/support/test-app';
import { percentile } from './measure';
import { CloneFactory } from './synthea-clones';

export interface LoadedPatient {
  /** The id the server assigned to the clone's Patient. */
  id: string;
  /** Index of the template in the factory. */
  template: number;
  shiftDays: number;
}

export interface LoadFigures {
  patients: number;
  resources: number;
  bytes: number;
  seconds: number;
  resourcesPerSecond: number;
  bundlesPerSecond: number;
  /** Per transaction Bundle, milliseconds. */
  p50: number;
  p95: number;
  concurrency: number;
}

interface ResponseBundle {
  type?: string;
  entry?: { response?: { status?: string; location?: string } }[];
}

/** Loads clones number `from` to `to - 1`; `progress` is called about every 10 seconds. */
export async function loadClones(
  t: TestApp,
  factory: CloneFactory,
  from: number,
  to: number,
  concurrency: number,
  progress: (done: number, resources: number, seconds: number) => void,
): Promise<{ figures: LoadFigures; patients: LoadedPatient[] }> {
  const patients: LoadedPatient[] = [];
  const latencies: number[] = [];
  let next = from;
  let resources = 0;
  let bytes = 0;
  const started = performance.now();
  let reported = started;
  const headers = { ...AUTH, 'content-type': 'application/fhir+json', prefer: 'return=minimal' };
  const via = process.env.BENCH_IMPORT_VIA === 'http' ? 'http' : 'cli';
  const transactions = t.app.get(BundleInteraction);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < to) {
      const n = next++;
      const clone = factory.make(n);
      const t0 = performance.now();
      let status: number;
      let bundle: ResponseBundle;
      if (via === 'http') {
        const res = await fetch(t.fhirBase, { method: 'POST', headers, body: clone.text });
        const text = await res.text();
        status = res.status;
        bundle = status === 200 ? (JSON.parse(text) as ResponseBundle) : { type: text.slice(0, 1000) };
      } else {
        // In process, like the admin import: the server's own work, acting for no token.
        const result = await AccessScope.run(AccessContext.internal(), () => transactions.execute(JSON.parse(clone.text), headers));
        status = result.status;
        bundle = (result.raw !== undefined ? JSON.parse(result.raw) : result.body) as ResponseBundle;
      }
      if (status !== 200) throw new Error(`Transaction of clone ${n} (${clone.template.file}): status ${status} ${JSON.stringify(bundle).slice(0, 1000)}`);
      latencies.push(performance.now() - t0);
      const location = bundle.entry?.[clone.template.patientEntry]?.response?.location ?? '';
      const [type, id] = location.split('/');
      if (type !== 'Patient' || !id) throw new Error(`Clone ${n}: no Patient location in the transaction response`);
      patients.push({ id, template: factory.templates.indexOf(clone.template), shiftDays: clone.shiftDays });
      resources += clone.resources;
      bytes += clone.text.length;
      const now = performance.now();
      if (now - reported > 10_000) {
        reported = now;
        progress(patients.length, resources, (now - started) / 1000);
      }
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    figures: {
      patients: to - from,
      resources,
      bytes,
      seconds,
      resourcesPerSecond: resources / seconds,
      bundlesPerSecond: (to - from) / seconds,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      concurrency,
    },
    patients,
  };
}
