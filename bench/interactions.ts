// The core interactions over real HTTP (create, read, update, _id search, history) with 8 concurrent clients, and
// the cost of validating one resource. Bounded in count; loopback only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { validateResource } from '../src/validation/resource.validator';
import { AUTH, TestApp } from '../test/support/test-app';
import { percentile } from './measure';

export const INTERACTION_CONCURRENCY = 8;
const examples = path.join(__dirname, '..', '..', 'test', 'fixtures', 'fhir-examples', 'r4-core');
const patient = JSON.parse(fs.readFileSync(path.join(examples, 'Patient-example.json'), 'utf8'));
const observation = JSON.parse(fs.readFileSync(path.join(examples, 'Observation-example.json'), 'utf8'));

export interface InteractionRow {
  name: string;
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface ValidationCost {
  firstCallMs: number;
  patientMicros: number;
  observationMicros: number;
}

async function run(name: string, count: number, request: (i: number) => Promise<Response>): Promise<InteractionRow> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: INTERACTION_CONCURRENCY }, async () => {
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
  return { name, count, seconds, perSecond: count / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) };
}

function validationMicros(resource: unknown, rounds: number): number {
  for (let i = 0; i < 50; i++) validateResource(resource);
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) validateResource(resource);
  return ((performance.now() - t0) / rounds) * 1000;
}

/** Must run before the application starts, so the first call still loads the definitions. */
export function validationCost(): ValidationCost {
  const t0 = performance.now();
  validateResource(patient);
  const firstCallMs = performance.now() - t0;
  return { firstCallMs, patientMicros: validationMicros(patient, 2000), observationMicros: validationMicros(observation, 2000) };
}

export async function runInteractions(t: TestApp): Promise<InteractionRow[]> {
  const headers = { ...AUTH, 'content-type': 'application/fhir+json' };
  const url = (p: string) => `${t.fhirBase}${p}`;
  const rows: InteractionRow[] = [];
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
  return rows;
}
