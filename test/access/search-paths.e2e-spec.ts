// The authorization matrix of the searches that reach past their matches (_include, _revinclude, :iterate,
// chains, _has) and of paging: for every caller kind, exactly the resources it may see, counted as such, and a
// page cursor that works only for the caller it was made for.
// https://hl7.org/fhir/R4/search.html#include https://hl7.org/fhir/R4/http.html#paging
import { startWorld, World } from './support/access-world';
import { entryRefs, MatrixRunner, Reply } from './support/matrix-runner';
import { visibleOf } from './support/read-probes';
import { scenarioProbe, SCENARIOS } from './support/search-scenarios';
import { KindName, MATRIX_KINDS, VALID_KINDS } from './support/token-kinds';

let w: World;
let runner: MatrixRunner;

beforeAll(async () => {
  w = await startWorld();
  runner = new MatrixRunner(w);
}, 120_000);

afterAll(async () => {
  console.log(`search-paths matrix: ${runner.count} cases`);
  await w.t.close();
});

const local = (url: string) => {
  const u = new URL(url);
  return `${u.pathname.replace(/^\/fhir\/?/, '')}${u.search}`;
};
const nextOf = (reply: Reply) => (reply.json?.link ?? []).find((l: { relation: string }) => l.relation === 'next')?.url as string | undefined;

describe.each(MATRIX_KINDS)('caller %s', (kind) => {
  it('includes, revincludes, iterates, chains and _has only through what it may see', async () => {
    expect(await runner.run(SCENARIOS.map((s) => scenarioProbe(w, kind, s)))).toEqual([]);
  });
});

describe.each(VALID_KINDS)('paging as %s', (kind) => {
  it.each(['Observation', 'Patient'])('walks every page of %s and meets exactly what it may see, each once', async (type) => {
    const problems: string[] = [];
    const seen: string[] = [];
    let path: string | undefined = `${type}?_count=2&_total=accurate`;
    const allowed = w.oracle.grantsOn(kind, type, 's');
    for (let page = 0; path !== undefined && page < 30; page++) {
      const { reply, lines } = await runner.judge({ label: `page ${page}`, kind, method: 'GET', path, expect: { status: allowed ? 200 : 403 } });
      problems.push(...lines);
      if (reply.status !== 200) break;
      if (page === 0 && reply.json.total !== visibleOf(w, kind, type).length) problems.push(`total ${reply.json.total}, expected ${visibleOf(w, kind, type).length}`);
      seen.push(...entryRefs(reply.json, 'match'));
      path = nextOf(reply) && local(nextOf(reply)!);
    }
    expect(problems).toEqual([]);
    expect(seen.sort()).toEqual(allowed ? visibleOf(w, kind, type).sort() : []);
  });
});

describe('a search cursor serves only the caller it was made for', () => {
  // Another user, another launch patient or another client: refused. The same user and patient with other
  // scopes may be served the page, but then only with what that token may see.
  const pairs: [KindName, KindName, boolean][] = [
    ['patientA', 'patientB', true], ['adminPatA', 'adminPatB', true], ['practOrg', 'practOut', true], ['practOrg', 'practGp', true],
    ['backendWide', 'patientA', true], ['patientA', 'patientAread', false], ['patientA', 'granular', false],
  ];
  it.each(pairs)('from %s, replayed by %s (refused: %s)', async (owner, other, refused) => {
    const first = await runner.judge({ label: 'first page', kind: owner, method: 'GET', path: 'Observation?_count=1', expect: { status: 200 } });
    expect(first.lines).toEqual([]);
    const next = local(nextOf(first.reply)!);
    const allowed = visibleOf(w, other, 'Observation');
    const replay = await runner.judge({
      label: 'replayed cursor', kind: other, method: 'GET', path: next,
      expect: refused ? { status: 400, code: 'invalid-cursor' } : {
        status: [200, 400], check: (r) => entryRefs(r.json, 'match').filter((ref) => !allowed.includes(ref)).map((ref) => `page shows ${ref}`),
      },
    });
    const own = await runner.judge({ label: 'own cursor', kind: owner, method: 'GET', path: next, expect: { status: 200 } });
    expect([...replay.lines, ...own.lines]).toEqual([]);
  });

  it.each(pairs)('a history page link from %s, followed by %s, shows only what the follower may see', async (owner, other) => {
    const first = await runner.judge({ label: 'first history page', kind: owner, method: 'GET', path: 'Observation/_history?_count=1', expect: { status: 200 } });
    expect(first.lines).toEqual([]);
    const allowed = visibleOf(w, other, 'Observation');
    const replay = await runner.judge({
      label: 'followed history link', kind: other, method: 'GET', path: local(nextOf(first.reply)!),
      expect: {
        status: [200, 400],
        check: (r) => entryRefs(r.json).filter((ref) => !allowed.includes(ref)).map((ref) => `history shows ${ref}, which it may not see`),
      },
    });
    expect(replay.lines).toEqual([]);
  });
});

it('judged the whole search matrix', () => {
  expect(runner.count).toBeGreaterThanOrEqual(SCENARIOS.length * MATRIX_KINDS.length);
});
