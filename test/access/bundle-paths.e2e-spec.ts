// The authorization matrix inside batch and transaction Bundles: each entry is judged as its REST request
// would be; a transaction with one refused entry fails whole with that entry's status and writes nothing; in
// a batch only the refused entries fail. Reads, searches and writes on hidden resources answer as missing.
// https://hl7.org/fhir/R4/http.html#transaction
import { startWorld, World } from './support/access-world';
import { entryRefs, Expect, MatrixRunner, Reply } from './support/matrix-runner';
import { visibleOf } from './support/read-probes';
import { ID_SYSTEM } from './support/seed-records';
import { KindName, MATRIX_KINDS, PatientLabel } from './support/token-kinds';
import { home } from './support/write-case-table';
import { WRITE_TYPES, WriteCase, WriteMatrix } from './support/write-cases';

let w: World;
let runner: MatrixRunner;
let matrix: WriteMatrix;
const cases = new Map<KindName, WriteCase[]>();
const obs = WRITE_TYPES.find((t) => t.type === 'Observation')!;
const other = (p: PatientLabel): PatientLabel => (p === 'A' ? 'B' : 'A');
const statusOf = (e: { response?: { status?: string } }) => Number.parseInt(e.response?.status ?? '', 10);

/** Compares each entry's response status with the oracle's. */
function entryStatuses(expected: number[]): (r: Reply) => string[] {
  return (r) => {
    const actual = (r.json?.entry ?? []).map(statusOf);
    return JSON.stringify(actual) === JSON.stringify(expected) ? [] : [`entry statuses ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`];
  };
}

function casesFor(kind: KindName): WriteCase[] {
  const o = w.oracle;
  const mine = home(kind);
  const theirs = other(mine);
  const sees = (owner: PatientLabel, perm: 'c' | 'r' | 'u' | 'd' | 's') => o.sees(kind, matrix.placement(obs, owner), perm);
  const can = (perm: 'c' | 'r' | 'u' | 'd' | 's') => o.grantsOn(kind, 'Observation', perm);
  const post = (key: string, owner: PatientLabel) => ({ resource: matrix.body(obs, key, owner), request: { method: 'POST', url: 'Observation' } });
  const created = (s: number) => (s === 201 ? 1 : 0);
  const out: WriteCase[] = [];

  for (const type of ['transaction', 'batch'] as const) {
    const [k1, k2] = [`${kind}:${type}-mine`, `${kind}:${type}-theirs`];
    const [c1, c2] = [can('c') && sees(mine, 'c'), can('c') && sees(theirs, 'c')];
    const expect: Expect = type === 'transaction'
      ? (c1 && c2 ? { status: 200, check: entryStatuses([201, 201]) } : { status: 403, code: 'bundle-entry-failed' })
      : { status: 200, check: entryStatuses([c1 ? 201 : 403, c2 ? 201 : 403]) };
    out.push({
      probe: () => ({ label: `${type} creating for ${mine} and ${theirs}`, kind, method: 'POST', path: '', body: { resourceType: 'Bundle', type, entry: [post(k1, mine), post(k2, theirs)] }, expect }),
      verify: async (s) => {
        const batchStatus = (c: boolean) => (type === 'batch' && s === 200 && c ? 201 : type === 'transaction' && s === 200 ? 201 : 0);
        return [...await matrix.createdCount(obs, k1, () => created(batchStatus(c1)))(s), ...await matrix.createdCount(obs, k2, () => created(batchStatus(c2)))(s)];
      },
    });
  }

  // reads and a search of hidden and visible resources inside a batch
  const read = (key: string) => {
    const r = w.book.get(key);
    return !o.grantsOn(kind, r.type, 'r') ? 403 : o.sees(kind, r, 'r') ? 200 : 404;
  };
  const readKeys = ['A-lab', 'B-lab', 'A-vital', 'B', 'med'];
  out.push({
    probe: () => ({
      label: 'batch of reads and a search', kind, method: 'POST', path: '',
      body: {
        resourceType: 'Bundle', type: 'batch',
        entry: [...readKeys.map((k) => ({ request: { method: 'GET', url: `${w.book.get(k).type}/${w.book.get(k).id}` } })),
          { request: { method: 'GET', url: `Observation?_id=${w.book.get('A-lab').id},${w.book.get('B-lab').id}` } }],
      },
      expect: {
        status: 200,
        check: (r) => {
          const problems = entryStatuses([...readKeys.map(read), can('s') ? 200 : 403])(r);
          const search = r.json?.entry?.[readKeys.length]?.resource;
          const found = search?.resourceType === 'Bundle' ? entryRefs(search, 'match').sort() : [];
          const wanted = can('s') ? visibleOf(w, kind, 'Observation').filter((x) => ['A-lab', 'B-lab'].some((k) => x.endsWith(w.book.get(k).id))).sort() : [];
          return JSON.stringify(found) === JSON.stringify(wanted) ? problems : [...problems, `search entry found ${found}, expected ${wanted}`];
        },
      },
    }),
    verify: async () => [],
  });

  // writes on the other patient's resources inside a batch: each answers as for a missing resource
  const [tPut, tDel, tPatch, tCc, tCd] = ['put', 'delete', 'patch', 'cond-create', 'cond-delete'].map((l) => matrix.target(kind, `batch-${l}`, obs, theirs));
  const patch = Buffer.from(JSON.stringify([{ op: 'add', path: '/extension/-', value: { url: 'http://example.org/patched', valueString: kind } }])).toString('base64');
  const expected = [
    !can('u') ? 403 : !sees(theirs, 'u') ? 405 : sees(mine, 'u') ? 200 : 403,
    !can('d') ? 403 : 204,
    // a patch needs read as well as update (it works on the stored content)
    !can('u') || !can('r') ? 403 : !sees(theirs, 'u') || !sees(theirs, 'r') ? 404 : 200,
    !can('c') || !can('s') ? 403 : sees(theirs, 's') ? 200 : sees(mine, 'c') ? 201 : 403,
    !can('d') || !can('s') ? 403 : 204,
  ];
  out.push({
    probe: () => ({
      label: `batch writing ${theirs}'s resources`, kind, method: 'POST', path: '',
      body: {
        resourceType: 'Bundle', type: 'batch',
        entry: [
          { resource: matrix.body(obs, tPut, mine, { id: true }), request: { method: 'PUT', url: `Observation/${w.book.get(tPut).id}` } },
          { request: { method: 'DELETE', url: `Observation/${w.book.get(tDel).id}` } },
          { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patch }, request: { method: 'PATCH', url: `Observation/${w.book.get(tPatch).id}` } },
          { resource: matrix.body(obs, `${tCc}#new`, mine, { identKey: tCc }), request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=${ID_SYSTEM}|ID-${tCc}` } },
          { request: { method: 'DELETE', url: `Observation?identifier=${encodeURIComponent(`${ID_SYSTEM}|ID-${tCd}`)}` } },
        ],
      },
      expect: { status: 200, check: entryStatuses(expected) },
    }),
    verify: async (s) => {
      const ran = (i: number, status: number) => s === 200 && expected[i] === status;
      return [
        ...await matrix.state(tPut, ran(0, 200), mine),
        ...await matrix.state(tDel, ran(1, 204) && sees(theirs, 'd')),
        ...await matrix.state(tPatch, ran(2, 200)),
        ...await matrix.state(tCc, false),
        ...await matrix.state(tCd, ran(4, 204) && sees(theirs, 'd') && sees(theirs, 's')),
      ];
    },
  });
  return out;
}

beforeAll(async () => {
  w = await startWorld();
  runner = new MatrixRunner(w);
  matrix = new WriteMatrix(w, runner);
  for (const kind of MATRIX_KINDS) cases.set(kind, casesFor(kind));
  await matrix.seedTargets();
}, 120_000);

afterAll(async () => {
  console.log(`bundle-paths matrix: ${runner.count} cases`);
  await w.t.close();
});

it.each(MATRIX_KINDS)('caller %s: every Bundle entry judged as its own request, a refused transaction writes nothing', async (kind) => {
  expect(await matrix.run(cases.get(kind)!)).toEqual([]);
});
