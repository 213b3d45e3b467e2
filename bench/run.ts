// npm run bench: throughput and latency of the core interactions over real HTTP on real PostgreSQL,
// and the cost of validating one resource. Bounded in count; loopback only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { validateResource } from '../src/validation/resource.validator';
import { AUTH, startTestApp, TestApp } from '../test/support/test-app';
import { testClusterDir } from '../test/support/test-cluster-dir';

const CONCURRENCY = 8;
const examples = path.join(__dirname, '..', '..', 'test', 'fixtures', 'fhir-examples', 'r4-core');
const patient = JSON.parse(fs.readFileSync(path.join(examples, 'Patient-example.json'), 'utf8'));
const observation = JSON.parse(fs.readFileSync(path.join(examples, 'Observation-example.json'), 'utf8'));

interface Row {
  name: string;
  count: number;
  seconds: number;
  p50: number;
  p95: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(name: string, count: number, request: (i: number) => Promise<Response>): Promise<Row> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      const res = await request(i);
      await res.arrayBuffer();
      if (res.status >= 400) throw new Error(`${name}: HTTP ${res.status}`);
      latencies.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, count, seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) };
}

function validationCost(resource: unknown, rounds: number): number {
  for (let i = 0; i < 50; i++) validateResource(resource);
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) validateResource(resource);
  return ((performance.now() - t0) / rounds) * 1000;
}

async function main(): Promise<void> {
  const coldStart = performance.now();
  validateResource(patient);
  const firstValidationMs = performance.now() - coldStart;
  const micro = {
    patient: validationCost(patient, 2000),
    observation: validationCost(observation, 2000),
  };

  const t: TestApp = await startTestApp({ LOG_LEVEL: 'error' });
  const headers = { ...AUTH, 'content-type': 'application/fhir+json' };
  const url = (p: string) => `${t.fhirBase}${p}`;
  const rows: Row[] = [];
  try {
    const ids: string[] = [];
    rows.push(await run('create Patient', 2000, async () => {
      const res = await fetch(url('/Patient'), { method: 'POST', headers: { ...headers, prefer: 'return=minimal' }, body: JSON.stringify(patient) });
      ids.push(res.headers.get('location')!.split('/')[5]);
      return res;
    }));
    rows.push(await run('read Patient', 5000, (i) => fetch(url(`/Patient/${ids[i % ids.length]}`), { headers: AUTH })));
    const obs = await (await fetch(url('/Observation'), { method: 'POST', headers, body: JSON.stringify(observation) })).json() as { id: string };
    rows.push(await run('update Observation (one hot row)', 1000, (i) =>
      fetch(url(`/Observation/${obs.id}`), { method: 'PUT', headers, body: JSON.stringify({ ...observation, id: obs.id, status: i % 2 ? 'final' : 'amended' }) })));
    rows.push(await run('update Patient (spread)', 2000, (i) =>
      fetch(url(`/Patient/${ids[i % ids.length]}`), { method: 'PUT', headers, body: JSON.stringify({ ...patient, id: ids[i % ids.length], active: i % 2 === 0 }) })));
    rows.push(await run('search Patient?_id', 2000, (i) => fetch(url(`/Patient?_id=${ids[i % ids.length]}`), { headers: AUTH })));
    rows.push(await run('history Observation instance', 1000, () => fetch(url(`/Observation/${obs.id}/_history?_count=20`), { headers: AUTH })));
  } finally {
    await t.close();
    fs.rmSync(testClusterDir(), { recursive: true, force: true });
  }

  console.log(`validation: first call (loads R4 definitions) ${firstValidationMs.toFixed(0)} ms; ` +
    `then Patient ${micro.patient.toFixed(0)} µs, Observation ${micro.observation.toFixed(0)} µs per resource`);
  console.log(`HTTP, ${CONCURRENCY} concurrent clients, loopback, embedded PostgreSQL:`);
  console.log('interaction'.padEnd(34) + 'requests'.padStart(9) + 'req/s'.padStart(9) + 'p50 ms'.padStart(9) + 'p95 ms'.padStart(9) + 'p99 ms'.padStart(9));
  for (const r of rows) {
    console.log(r.name.padEnd(34) + String(r.count).padStart(9) + (r.count / r.seconds).toFixed(0).padStart(9) +
      r.p50.toFixed(1).padStart(9) + r.p95.toFixed(1).padStart(9) + r.p99.toFixed(1).padStart(9));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
