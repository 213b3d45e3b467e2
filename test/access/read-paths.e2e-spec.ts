// The authorization matrix of the read paths over the seeded world: every seeded resource read, vread, its
// history, found by _id (GET and POST _search), by identifier and counted; every seeded type searched, counted
// and its history listed; the system history; for every caller kind. Hidden resources answer as missing ones.
// https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
import { startWorld, World } from './support/access-world';
import { MatrixRunner } from './support/matrix-runner';
import { findProbes, instanceProbes, systemHistoryProbe, typeProbes } from './support/read-probes';
import { MATRIX_KINDS } from './support/token-kinds';

let w: World;
let runner: MatrixRunner;

beforeAll(async () => {
  w = await startWorld();
  runner = new MatrixRunner(w);
}, 120_000);

afterAll(async () => {
  console.log(`read-paths matrix: ${runner.count} cases`);
  await w.t.close();
});

describe.each(MATRIX_KINDS)('caller %s', (kind) => {
  it('reads, vreads and lists the history of exactly the resources it reaches', async () => {
    expect(await runner.run(w.book.all().flatMap((o) => instanceProbes(w, kind, o)))).toEqual([]);
  });

  it('finds by _id, POST _search and identifier, and counts, only what it reaches', async () => {
    expect(await runner.run(w.book.all().flatMap((o) => findProbes(w, kind, o)))).toEqual([]);
  });

  it('asks the administrators\' access diagnostic only as an administrator', async () => {
    const o = w.book.get('B-lab');
    const admin = kind === 'admin';
    expect(await runner.run([{
      label: 'access diagnostic', kind, method: 'POST', path: '/admin/access/explain',
      body: { scope: 'patient/*.rs', role: 'patient', patient: w.patientId.A, interaction: 'read', resource: `${o.type}/${o.id}` },
      expect: admin ? { status: 200, check: (r) => (r.json?.decision === 'allowed' ? ['B-lab explained as allowed to patient A'] : []) } : { status: 403 },
    }])).toEqual([]);
  });

  it('searches, counts and lists the history of whole types and of the system with nothing hidden shown', async () => {
    const types = [...new Set(w.book.all().map((o) => o.type))];
    expect(await runner.run([...types.flatMap((type) => typeProbes(w, kind, type)), systemHistoryProbe(w, kind)])).toEqual([]);
  });
});

it('judged the whole read matrix', () => {
  // every seeded resource x 7 probes + every seeded type x 4 + the system history, for every caller kind
  const perKind = w.book.all().length * 7 + new Set(w.book.all().map((o) => o.type)).size * 4 + 1;
  expect(runner.count).toBe((perKind + 1) * MATRIX_KINDS.length);
});
