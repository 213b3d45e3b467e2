// The authorization matrix over every enabled resource type: for each, a small valid resource of patient A and
// one of patient B (a compartment type) or a shared one (a type in no compartment), read, vread, its history,
// found by _id, the type's history, created, updated, patched and deleted by every kind of caller, with refused
// tokens too. Patient scopes read but never write a type outside the compartment; a granular scope and a
// narrow backend reach only Observation. https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
import { ConformanceRegistry } from '../../src/conformance/conformance.registry';
import { checkCompartments, seed, startWorld, World } from './support/access-world';
import { MatrixRunner } from './support/matrix-runner';
import { SeedRecord } from './support/seed-records';
import { TYPE_KINDS, TypeChain } from './support/type-chain';
import { typeResource } from './support/type-resources';
import { KindName, PatientLabel } from './support/token-kinds';

const registry = ConformanceRegistry.load(`${__dirname}/../../fhir-profiles`);
const types = registry.resourceTypes;
let w: World;
let runner: MatrixRunner;
const results = new Map<string, string[]>();

function record(type: string, key: string, owner: PatientLabel | null): SeedRecord {
  return { key, type, owners: owner ? [owner] : [], build: (ref) => typeResource(type, key, owner ? ref(owner).reference : undefined) };
}

beforeAll(async () => {
  w = await startWorld();
  runner = new MatrixRunner(w);
  const records: SeedRecord[] = [];
  const victims = new Map<string, Map<KindName, string>>();
  for (const type of types.filter((t) => registry.supports(t, 'create'))) {
    const compartment = w.oracle.compartment.has(type);
    if (type !== 'Patient') records.push(...(compartment ? [record(type, `${type}~A`, 'A'), record(type, `${type}~B`, 'B')] : [record(type, `${type}~S`, null)]));
    const owner: PatientLabel | null = compartment && type !== 'Patient' ? 'A' : null;
    const mine = new Map<KindName, string>();
    for (const kind of TYPE_KINDS) {
      if (!w.oracle.sees(kind, { type, owners: owner ? [owner] : [] }, 'd')) continue;
      mine.set(kind, `${type}~del~${kind}`);
      records.push(record(type, `${type}~del~${kind}`, owner));
    }
    victims.set(type, mine);
  }
  await seed(w, w.tokens.backendWide!, records);
  // A Patient is in its own compartment, which the test's labels do not name: the victims are checked apart.
  await checkCompartments(w, records.filter((r) => r.type !== 'Patient').map((r) => r.key));
  const queue = types.map((type) => new TypeChain(w, runner, type, victims.get(type) ?? new Map(), (i) => registry.supports(type, i)));
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let chain = queue.shift(); chain; chain = queue.shift()) results.set(chain.type, await chain.run());
  }));
}, 600_000);

afterAll(async () => {
  console.log(`every-type matrix: ${runner.count} cases over ${types.length} types`);
  await w.t.close();
});

it('covers every enabled type', () => {
  expect(types).toHaveLength(146);
  expect([...results.keys()].sort()).toEqual([...types].sort());
});

it.each(types)('%s: every interaction for every kind of caller', (type) => {
  expect(results.get(type)).toEqual([]);
});
