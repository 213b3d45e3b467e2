// With update-as-create on (FHIR_UPDATE_CREATE=true): a PUT to a new id creates only where the caller may
// create (c on the type, the new resource within its reach), and a PUT to the id of a resource hidden from the
// caller never overwrites it: it is refused as not found. https://hl7.org/fhir/R4/http.html#upsert
import { randomUUID } from 'node:crypto';
import { startWorld, World } from './support/access-world';
import { MatrixRunner } from './support/matrix-runner';
import { KindName, MATRIX_KINDS, PatientLabel } from './support/token-kinds';
import { home } from './support/write-case-table';
import { WRITE_TYPES, WriteCase, WriteMatrix } from './support/write-cases';

let w: World;
let runner: MatrixRunner;
let matrix: WriteMatrix;
const cases = new Map<KindName, WriteCase[]>();
const obs = WRITE_TYPES.find((t) => t.type === 'Observation')!;

function casesFor(kind: KindName): WriteCase[] {
  const o = w.oracle;
  const mine = home(kind);
  const theirs: PatientLabel = mine === 'A' ? 'B' : 'A';
  const sees = (owner: PatientLabel, perm: 'c' | 'u') => o.sees(kind, matrix.placement(obs, owner), perm);
  const gate = (then: () => number) => (o.grantsOn(kind, 'Observation', 'u') ? then() : 403);
  const out: WriteCase[] = [];
  for (const owner of [mine, theirs]) {
    const key = `${kind}:upsert-new-${owner}`;
    const id = randomUUID();
    const status = gate(() => (o.grantsOn(kind, 'Observation', 'c') && sees(owner, 'c') ? 201 : 403));
    out.push({
      probe: () => ({ label: `PUT to a new id for ${owner}`, kind, method: 'PUT', path: `Observation/${id}`, body: { ...matrix.body(obs, key, owner), id }, expect: { status } }),
      verify: async (s) => {
        const r = await runner.send('backendWide', 'GET', `Observation/${id}`);
        return r.status === (s === 201 ? 200 : 404) ? [] : [`answered ${s}; Observation/${id} then reads ${r.status}`];
      },
    });
  }
  const target = matrix.target(kind, 'upsert-hidden', obs, theirs);
  const status = gate(() => (!sees(theirs, 'u') ? 404 : sees(mine, 'u') ? 200 : 403));
  out.push({
    probe: () => ({
      label: `PUT to ${theirs}'s resource`, kind, method: 'PUT', path: `Observation/${w.book.get(target).id}`, body: matrix.body(obs, target, mine, { id: true }),
      expect: { status, code: status === 404 ? 'resource-not-found' : undefined },
    }),
    verify: matrix.unchangedUnless(target, [200], mine),
  });
  return out;
}

beforeAll(async () => {
  w = await startWorld({ env: { FHIR_UPDATE_CREATE: 'true' } });
  runner = new MatrixRunner(w);
  matrix = new WriteMatrix(w, runner);
  for (const kind of MATRIX_KINDS) cases.set(kind, casesFor(kind));
  await matrix.seedTargets();
}, 120_000);

afterAll(async () => {
  console.log(`update-create matrix: ${runner.count} cases`);
  await w.t.close();
});

it.each(MATRIX_KINDS)('caller %s: creates by PUT only within its reach, never over a hidden resource', async (kind) => {
  expect(await matrix.run(cases.get(kind)!)).toEqual([]);
});
