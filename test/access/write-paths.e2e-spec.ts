// The authorization matrix of the write paths: create, update, patch, delete and their conditional forms on a
// compartment type with and without an orphan form (Observation, Condition) and on a type in no compartment
// (Medication), for every caller kind, on resources of patient A, of patient B, and moving one to the other.
// Every refused or hidden write is checked to have written nothing. https://hl7.org/fhir/R4/http.html
import { randomUUID } from 'node:crypto';
import { startWorld, World } from './support/access-world';
import { Expect, MatrixRunner, Probe } from './support/matrix-runner';
import { KindName, MATRIX_KINDS } from './support/token-kinds';
import { writeCases } from './support/write-case-table';
import { WRITE_TYPES, WriteCase, WriteMatrix } from './support/write-cases';

let w: World;
let runner: MatrixRunner;
let matrix: WriteMatrix;
const cases = new Map<string, WriteCase[]>();

beforeAll(async () => {
  w = await startWorld();
  runner = new MatrixRunner(w);
  matrix = new WriteMatrix(w, runner);
  for (const kind of MATRIX_KINDS) {
    for (const wt of WRITE_TYPES) cases.set(`${kind} ${wt.type}`, writeCases(matrix, kind, wt));
  }
  await matrix.seedTargets();
}, 120_000);

afterAll(async () => {
  console.log(`write-paths matrix: ${runner.count} cases`);
  await w.t.close();
});

describe.each(MATRIX_KINDS)('caller %s', (kind: KindName) => {
  it.each(WRITE_TYPES.map((wt) => wt.type))('creates, updates, patches, deletes %s only within its reach, and a refusal writes nothing', async (type) => {
    expect(await matrix.run(cases.get(`${kind} ${type}`)!)).toEqual([]);
  });
});

it('answers a deleted resource with 410 only to a caller who may see it, and as a missing one to the others', async () => {
  expect(matrix.deleted.length).toBeGreaterThan(30);
  const probes = matrix.deleted.flatMap((key) => MATRIX_KINDS.flatMap((kind): Probe[] => {
    const o = w.book.get(key);
    const missingId = randomUUID();
    const likeMissing = (suffix: string) => ({ path: `${o.type}/${missingId}${suffix}`, id: o.id, missingId });
    // A scope restricted by search criteria (granular) cannot match a deleted resource, which no search finds:
    // it may answer as for a missing one. Whoever else may see the resource is told it is gone.
    const expect = (seen: number, suffix: string): Expect => (!w.oracle.grantsOn(kind, o.type, 'r') ? { status: 403 }
      : w.oracle.sees(kind, o, 'r') ? (w.oracle.restricted(kind, o.type, 'r') ? { status: [seen, 404], likeMissing: likeMissing(suffix) } : { status: seen })
        : { status: 404, likeMissing: likeMissing(suffix) });
    return [
      { label: `read deleted ${key}`, kind, method: 'GET', path: `${o.type}/${o.id}`, expect: expect(410, '') },
      { label: `history of deleted ${key}`, kind, method: 'GET', path: `${o.type}/${o.id}/_history`, expect: expect(200, '/_history') },
    ];
  }));
  expect(await runner.run(probes)).toEqual([]);
});

it('judged the whole write matrix', () => {
  expect(runner.count).toBeGreaterThan([...cases.values()].reduce((n, list) => n + list.length, 0));
});
