// Hostile text in every search parameter type, modifier, chain, _has, result parameter and parameter name is answered 200 or 400, fast, correctly, and leaves the database intact.

import { Client } from 'pg';
import { Store } from './support/evaluator';
import { Resource } from './support/synthea';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

type Pairs = [string, string][];

let t: TestApp;
let store: Store;
const created: Resource[] = [];
const byFamily = new Map<string, string>();

const PAYLOADS: string[] = [
  "'", "''", '"', "';--", '/* */', "' OR '1'='1", '1) OR (1=1', "'; SELECT pg_sleep(5)--", "1; SELECT pg_sleep(5)",
  '$$', '$tag$', '\\', '%', '_', '\\%', '%_%', '\u2019', '\u02BC', '\uFF07', '\u0000', "a\u0000' OR 1=1--",
  'x'.repeat(10000), "'::text", "E'\\\\x", '\\x27', '*/', '{"$ne":null}', '<script>', 'Smith\' --',
];

const FAMILIES = ["O'Brien", '100%', 'a_b', 'axb', 'back\\slash', 'Smith'];
const TEST_PROFILE = 'http://example.org/fhir/StructureDefinition/inj-profile';

function patient(family: string, extra: Record<string, unknown> = {}) {
  return { resourceType: 'Patient', name: [{ family, given: ['Pat'] }], gender: 'female', birthDate: '1970-05-06', ...extra };
}

async function create(body: Record<string, unknown>): Promise<Resource> {
  const res = await fetch(`${t.fhirBase}/${body.resourceType}`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/fhir+json', prefer: 'return=representation' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`create ${body.resourceType}: ${res.status} ${await res.text()}`);
  const resource = (await res.json()) as Resource;
  created.push(resource);
  return resource;
}

beforeAll(async () => {
  t = await startTestApp();
  for (const family of FAMILIES) {
    const extra: Record<string, unknown> = {};
    if (family === "O'Brien") Object.assign(extra, { address: [{ city: "Quote'Town" }], identifier: [{ system: 'urn:inj', value: "x'y" }] });
    if (family === 'Smith') Object.assign(extra, { identifier: [{ system: 'urn:inj', value: 'abc' }], meta: { profile: [TEST_PROFILE] } });
    byFamily.set(family, (await create(patient(family, extra))).id);
  }
  const smith = `Patient/${byFamily.get('Smith')}`;
  const obrien = `Patient/${byFamily.get("O'Brien")}`;
  await create({
    resourceType: 'Observation', status: 'final', subject: { reference: smith }, effectiveDateTime: '2020-03-04T05:06:07Z',
    code: { coding: [{ system: 'urn:test', code: 'a_b' }], text: '100% oxygen' },
    valueQuantity: { value: 5.4, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
    component: [{ code: { coding: [{ system: 'urn:test', code: 'c1' }] }, valueQuantity: { value: 7, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } }],
  });
  await create({
    resourceType: 'Observation', status: 'final', subject: { reference: obrien }, effectiveDateTime: '2021-03-04',
    code: { coding: [{ system: 'urn:test', code: 'axb' }], text: "O'Brien's test" },
    valueQuantity: { value: 12, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  });
  await create({ resourceType: 'RiskAssessment', status: 'final', subject: { reference: smith }, prediction: [{ probabilityDecimal: 0.3 }] });
  store = new Store(created, t.fhirBase);
}, 120000);
afterAll(() => t?.close());

// ------------------------------------------------------------------ sending

interface Answer {
  status: number;
  body: any;
  ms: number;
}

async function send(type: string, pairs: Pairs, opts: { strict?: boolean; post?: boolean } = {}): Promise<Answer> {
  const qs = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return sendRaw(type, qs, opts);
}

async function sendRaw(type: string, qs: string, opts: { strict?: boolean; post?: boolean } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...AUTH, accept: 'application/fhir+json' };
  if (opts.strict) headers.prefer = 'handling=strict';
  const started = Date.now();
  const res = opts.post
    ? await fetch(`${t.fhirBase}/${type}/_search`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: qs })
    : await fetch(`${t.fhirBase}/${type}?${qs}`, { headers });
  const text = await res.text();
  const ms = Date.now() - started;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, ms };
}

const matchIds = (body: any): string[] =>
  (body?.entry ?? []).filter((e: any) => e.search?.mode === 'match' || (e.search === undefined && e.resource?.resourceType !== 'OperationOutcome'))
    .map((e: any) => `${e.resource.resourceType}/${e.resource.id}`);

/** The texts of an OperationOutcome in which a parameter may be named. */
const outcomeTexts = (body: any): string[] =>
  body?.resourceType === 'OperationOutcome'
    ? (body.issue ?? []).flatMap((i: any) => [...(i.expression ?? []), i.diagnostics ?? '', i.details?.text ?? ''])
    : [];

// ------------------------------------------------------------------ judging one answer

type Expectation =
  /** The value is searchable text: 200 with exactly the evaluator's result, or 400. */
  | { kind: 'eval' }
  /** The value cannot be valid for the parameter: 400 only. */
  | { kind: 'invalid' }
  /** The hostile part may be ignored: 200 with the result of the query without it, or 400. */
  | { kind: 'baseline'; without: Pairs };

interface Position {
  title: string;
  type: string;
  pairs: (p: string) => Pairs;
  expect: Expectation;
  /** Texts of which at least one must appear in a 400's OperationOutcome. */
  names: (p: string) => string[];
  strict?: boolean;
}

const ids = (type: string, s: Set<string>) => new Set([...s].map((id) => `${type}/${id}`));

/** The expected ids, or 'invalid' when the value is not well-formed for the evaluator. Values holding a
 *  backslash may be read with FHIR escapes or literally, so both readings are returned. */
function evaluate(type: string, pairs: Pairs): Set<string>[] | 'invalid' {
  const readings = [pairs];
  if (pairs.some(([, v]) => v.includes('\\'))) readings.push(pairs.map(([k, v]) => [k, v.replace(/\\/g, '\\\\')]));
  try {
    return readings.map((r) => ids(type, store.search(type, r.map(([name, value]) => ({ name, value })))));
  } catch {
    return 'invalid';
  }
}

const sameSet = (got: string[], expected: Set<string>) => got.length === expected.size && got.every((x) => expected.has(x)) && new Set(got).size === got.length;
const show = (s: string) => (s.length > 40 ? `${JSON.stringify(s.slice(0, 20))}…(${s.length} chars)` : JSON.stringify(s));

/** Checks one answer against the position's rules; returns a description of what is wrong, if anything. */
function judge(pos: Position, payload: string, answer: Answer, mode: string): string | undefined {
  const where = `${pos.title} [${mode}] with ${show(payload)}`;
  if (answer.ms >= 2000) return `${where}: took ${answer.ms} ms`;
  if (answer.status !== 200 && answer.status !== 400) return `${where}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
  if (answer.status === 400) {
    if (answer.body?.resourceType !== 'OperationOutcome') return `${where}: 400 without an OperationOutcome`;
    // A name holding control characters may be reported cleaned up; any OperationOutcome does then.
    const names = pos.names(payload).filter((n) => n !== '' && !/[\u0000-\u001f]/.test(n));
    const texts = outcomeTexts(answer.body);
    if (names.length > 0 && !names.some((n) => texts.some((x) => x.includes(n)))) return `${where}: 400 does not name ${names.map(show).join(' or ')} (${texts.join(' | ').slice(0, 200)})`;
    return undefined;
  }
  if (answer.body?.resourceType !== 'Bundle') return `${where}: 200 without a Bundle`;
  if ((answer.body.link ?? []).some((l: any) => l.relation === 'next')) return `${where}: more than one page`;
  const got = matchIds(answer.body);
  const e = pos.expect;
  if (e.kind === 'invalid' || (pos.strict && e.kind === 'baseline')) return `${where}: 200 where 400 is due (${got.length} matches)`;
  const expected = e.kind === 'baseline' ? evaluate(pos.type, e.without) : evaluate(pos.type, pos.pairs(payload));
  if (expected === 'invalid') return `${where}: 200 for a malformed value (${got.length} matches)`;
  if (!expected.some((s) => sameSet(got, s))) {
    return `${where}: 200 with ${got.length} matches [${got.slice(0, 3).join(', ')}], expected ${expected.map((s) => s.size).join(' or ')}`;
  }
  return undefined;
}

// ------------------------------------------------------------------ where payloads go

const v2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const same = (n: string) => () => [n];
const smithOnly: Pairs = [['family', 'Smith']];
const aOnly: Pairs = [['code', 'urn:test|a_b']];

/** How a server may name a hostile parameter name: whole (its start), or up to its first ':' or '.'. */
const nameParts = (p: string) => [p.slice(0, 30), p.split(/[:.]/)[0].slice(0, 30)];

const POSITIONS: Position[] = [
  // string
  { title: 'Patient?family=P', type: 'Patient', pairs: (p) => [['family', p]], expect: { kind: 'eval' }, names: same('family') },
  { title: 'Patient?family:exact=P', type: 'Patient', pairs: (p) => [['family:exact', p]], expect: { kind: 'eval' }, names: same('family') },
  { title: 'Patient?family:contains=P', type: 'Patient', pairs: (p) => [['family:contains', p]], expect: { kind: 'eval' }, names: same('family') },
  { title: 'Patient?name=P', type: 'Patient', pairs: (p) => [['name', p]], expect: { kind: 'eval' }, names: same('name') },
  { title: 'Patient?address-city=P', type: 'Patient', pairs: (p) => [['address-city', p]], expect: { kind: 'eval' }, names: same('address-city') },
  { title: 'Patient?given=P,Pat', type: 'Patient', pairs: (p) => [['given', `${p},Pat`]], expect: { kind: 'eval' }, names: same('given') },
  // token
  { title: 'Observation?code=P', type: 'Observation', pairs: (p) => [['code', p]], expect: { kind: 'eval' }, names: same('code') },
  { title: 'Observation?code=urn:test|P', type: 'Observation', pairs: (p) => [['code', `urn:test|${p}`]], expect: { kind: 'eval' }, names: same('code') },
  { title: 'Observation?code=P|a_b', type: 'Observation', pairs: (p) => [['code', `${p}|a_b`]], expect: { kind: 'eval' }, names: same('code') },
  { title: 'Observation?code:not=P', type: 'Observation', pairs: (p) => [['code:not', p]], expect: { kind: 'eval' }, names: same('code') },
  { title: 'Observation?code:text=P', type: 'Observation', pairs: (p) => [['code:text', p]], expect: { kind: 'eval' }, names: same('code') },
  { title: 'Patient?identifier=P', type: 'Patient', pairs: (p) => [['identifier', p]], expect: { kind: 'eval' }, names: same('identifier') },
  { title: 'Patient?identifier=urn:inj|P', type: 'Patient', pairs: (p) => [['identifier', `urn:inj|${p}`]], expect: { kind: 'eval' }, names: same('identifier') },
  { title: 'Patient?identifier:of-type=v2-0203|MR|P', type: 'Patient', pairs: (p) => [['identifier:of-type', `${v2}|MR|${p}`]], expect: { kind: 'eval' }, names: same('identifier') },
  { title: 'Patient?gender=P', type: 'Patient', pairs: (p) => [['gender', p]], expect: { kind: 'eval' }, names: same('gender') },
  { title: 'Observation?_tag=P', type: 'Observation', pairs: (p) => [['_tag', p]], expect: { kind: 'eval' }, names: same('_tag') },
  { title: 'Observation?_id=P', type: 'Observation', pairs: (p) => [['_id', p]], expect: { kind: 'eval' }, names: same('_id') },
  // date
  { title: 'Observation?date=P', type: 'Observation', pairs: (p) => [['date', p]], expect: { kind: 'invalid' }, names: same('date') },
  { title: 'Observation?date=geP', type: 'Observation', pairs: (p) => [['date', `ge${p}`]], expect: { kind: 'invalid' }, names: same('date') },
  { title: 'Observation?date=2020P', type: 'Observation', pairs: (p) => [['date', `2020${p}`]], expect: { kind: 'invalid' }, names: same('date') },
  { title: 'Patient?birthdate=P', type: 'Patient', pairs: (p) => [['birthdate', p]], expect: { kind: 'invalid' }, names: same('birthdate') },
  { title: 'Observation?_lastUpdated=ltP', type: 'Observation', pairs: (p) => [['_lastUpdated', `lt${p}`]], expect: { kind: 'invalid' }, names: same('_lastUpdated') },
  // number
  { title: 'RiskAssessment?probability=P', type: 'RiskAssessment', pairs: (p) => [['probability', p]], expect: { kind: 'invalid' }, names: same('probability') },
  { title: 'RiskAssessment?probability=gtP', type: 'RiskAssessment', pairs: (p) => [['probability', `gt${p}`]], expect: { kind: 'invalid' }, names: same('probability') },
  { title: 'RiskAssessment?probability=0.3P', type: 'RiskAssessment', pairs: (p) => [['probability', `0.3${p}`]], expect: { kind: 'invalid' }, names: same('probability') },
  // quantity
  { title: 'Observation?value-quantity=P', type: 'Observation', pairs: (p) => [['value-quantity', p]], expect: { kind: 'invalid' }, names: same('value-quantity') },
  { title: 'Observation?value-quantity=5.4|P|mg', type: 'Observation', pairs: (p) => [['value-quantity', `5.4|${p}|mg`]], expect: { kind: 'eval' }, names: same('value-quantity') },
  { title: 'Observation?value-quantity=5.4||P', type: 'Observation', pairs: (p) => [['value-quantity', `5.4||${p}`]], expect: { kind: 'eval' }, names: same('value-quantity') },
  // reference
  { title: 'Observation?subject=P', type: 'Observation', pairs: (p) => [['subject', p]], expect: { kind: 'eval' }, names: same('subject') },
  { title: 'Observation?subject=Patient/P', type: 'Observation', pairs: (p) => [['subject', `Patient/${p}`]], expect: { kind: 'eval' }, names: same('subject') },
  { title: 'Observation?patient=P', type: 'Observation', pairs: (p) => [['patient', p]], expect: { kind: 'eval' }, names: same('patient') },
  { title: 'Observation?subject:Patient=P', type: 'Observation', pairs: (p) => [['subject:Patient', p]], expect: { kind: 'eval' }, names: same('subject') },
  // composite
  { title: 'Observation?code-value-quantity=urn:test|a_b$P', type: 'Observation', pairs: (p) => [['code-value-quantity', `urn:test|a_b$${p}`]], expect: { kind: 'invalid' }, names: same('code-value-quantity') },
  { title: 'Observation?component-code-value-quantity=P$gt5', type: 'Observation', pairs: (p) => [['component-code-value-quantity', `${p}$gt5`]], expect: { kind: 'eval' }, names: same('component-code-value-quantity') },
  // uri
  { title: 'Patient?_profile=P', type: 'Patient', pairs: (p) => [['_profile', p]], expect: { kind: 'eval' }, names: same('_profile') },
  // result parameters
  { title: 'Patient?family=Smith&_sort=P', type: 'Patient', pairs: (p) => [...smithOnly, ['_sort', p]], expect: { kind: 'baseline', without: smithOnly }, names: same('_sort') },
  { title: 'Patient?family=Smith&_sort=-P', type: 'Patient', pairs: (p) => [...smithOnly, ['_sort', `-${p}`]], expect: { kind: 'baseline', without: smithOnly }, names: same('_sort') },
  { title: 'Patient?family=Smith&_sort=family,P', type: 'Patient', pairs: (p) => [...smithOnly, ['_sort', `family,${p}`]], expect: { kind: 'baseline', without: smithOnly }, names: same('_sort') },
  { title: 'Observation?code=a_b&_include=P', type: 'Observation', pairs: (p) => [...aOnly, ['_include', p]], expect: { kind: 'baseline', without: aOnly }, names: same('_include') },
  { title: 'Observation?code=a_b&_include=Observation:P', type: 'Observation', pairs: (p) => [...aOnly, ['_include', `Observation:${p}`]], expect: { kind: 'baseline', without: aOnly }, names: same('_include') },
  { title: 'Observation?code=a_b&_include=Observation:subject:P', type: 'Observation', pairs: (p) => [...aOnly, ['_include', `Observation:subject:${p}`]], expect: { kind: 'baseline', without: aOnly }, names: same('_include') },
  { title: 'Patient?family=Smith&_revinclude=P', type: 'Patient', pairs: (p) => [...smithOnly, ['_revinclude', p]], expect: { kind: 'baseline', without: smithOnly }, names: same('_revinclude') },
  { title: 'Patient?family=Smith&_revinclude=Observation:P', type: 'Patient', pairs: (p) => [...smithOnly, ['_revinclude', `Observation:${p}`]], expect: { kind: 'baseline', without: smithOnly }, names: same('_revinclude') },
  { title: 'Patient?family=Smith&_elements=P', type: 'Patient', pairs: (p) => [...smithOnly, ['_elements', p]], expect: { kind: 'baseline', without: smithOnly }, names: same('_elements') },
  { title: 'Patient?family=Smith&_elements=id,P', type: 'Patient', pairs: (p) => [...smithOnly, ['_elements', `id,${p}`]], expect: { kind: 'baseline', without: smithOnly }, names: same('_elements') },
  { title: 'Patient?family=Smith&_summary=P', type: 'Patient', pairs: (p) => [...smithOnly, ['_summary', p]], expect: { kind: 'invalid' }, names: same('_summary') },
  { title: 'Patient?family=Smith&_total=P', type: 'Patient', pairs: (p) => [...smithOnly, ['_total', p]], expect: { kind: 'invalid' }, names: same('_total') },
  { title: 'Patient?_count=P', type: 'Patient', pairs: (p) => [['_count', p]], expect: { kind: 'invalid' }, names: same('_count') },
  { title: 'Patient?_count=5P', type: 'Patient', pairs: (p) => [['_count', `5${p}`]], expect: { kind: 'invalid' }, names: same('_count') },
  // chains and _has
  { title: 'Observation?subject:Patient.name=P', type: 'Observation', pairs: (p) => [['subject:Patient.name', p]], expect: { kind: 'eval' }, names: () => ['subject', 'name'] },
  { title: 'Observation?subject:Patient.family:contains=P', type: 'Observation', pairs: (p) => [['subject:Patient.family:contains', p]], expect: { kind: 'eval' }, names: () => ['subject', 'family'] },
  { title: 'Observation?subject:Patient.P=x', type: 'Observation', pairs: (p) => [...aOnly, [`subject:Patient.${p}`, 'x']], expect: { kind: 'baseline', without: aOnly }, names: (p) => ['subject', ...nameParts(p)], strict: true },
  { title: 'Observation?subject:P.name=x', type: 'Observation', pairs: (p) => [...aOnly, [`subject:${p}.name`, 'x']], expect: { kind: 'baseline', without: aOnly }, names: (p) => ['subject', ...nameParts(p)], strict: true },
  { title: 'Observation?patient.P=x', type: 'Observation', pairs: (p) => [...aOnly, [`patient.${p}`, 'x']], expect: { kind: 'baseline', without: aOnly }, names: (p) => ['patient', ...nameParts(p)], strict: true },
  { title: 'Patient?_has:Observation:patient:code=P', type: 'Patient', pairs: (p) => [['_has:Observation:patient:code', p]], expect: { kind: 'eval' }, names: () => ['_has', 'code'] },
  { title: 'Patient?_has:P:patient:code=a_b', type: 'Patient', pairs: (p) => [...smithOnly, [`_has:${p}:patient:code`, 'a_b']], expect: { kind: 'baseline', without: smithOnly }, names: (p) => ['_has', ...nameParts(p)], strict: true },
  { title: 'Patient?_has:Observation:P:code=a_b', type: 'Patient', pairs: (p) => [...smithOnly, [`_has:Observation:${p}:code`, 'a_b']], expect: { kind: 'baseline', without: smithOnly }, names: (p) => ['_has', ...nameParts(p)], strict: true },
  { title: 'Patient?_has:Observation:patient:P=a_b', type: 'Patient', pairs: (p) => [...smithOnly, [`_has:Observation:patient:${p}`, 'a_b']], expect: { kind: 'baseline', without: smithOnly }, names: (p) => ['_has', ...nameParts(p)], strict: true },
  // parameter names and modifiers
  { title: 'Patient?P=x', type: 'Patient', pairs: (p) => [...smithOnly, [p, 'x']], expect: { kind: 'baseline', without: smithOnly }, names: (p) => nameParts(p), strict: true },
  { title: 'Patient?family:P=Smith', type: 'Patient', pairs: (p) => [...smithOnly, [`family:${p}`, 'Smith']], expect: { kind: 'baseline', without: smithOnly }, names: (p) => ['family', ...nameParts(p)], strict: true },
  { title: 'Patient?P:exact=x', type: 'Patient', pairs: (p) => [...smithOnly, [`${p}:exact`, 'x']], expect: { kind: 'baseline', without: smithOnly }, names: (p) => nameParts(p), strict: true },
];

/** Sends every payload through a position (by GET, leniently and when given strictly; by POST for value positions). */
async function barrage(pos: Position): Promise<string[]> {
  const problems: string[] = [];
  for (const payload of PAYLOADS) {
    const pairs = pos.pairs(payload);
    const modes: { mode: string; strict?: boolean; post?: boolean }[] = [{ mode: 'GET' }];
    if (pos.strict) modes.push({ mode: 'GET strict', strict: true });
    if (pos.expect.kind === 'eval' && payload.length < 100) modes.push({ mode: 'POST', post: true });
    for (const m of modes) {
      const answer = await send(pos.type, pairs, m);
      const problem = judge({ ...pos, strict: m.strict }, payload, answer, m.mode);
      if (problem) problems.push(problem);
    }
  }
  // A position that fails for every payload would repeat one message many times: keep a sample.
  return problems.length > 8 ? [...problems.slice(0, 8), `… and ${problems.length - 8} more`] : problems;
}

// ------------------------------------------------------------------ the tests

let tablesBefore: Map<string, number>;

/** Every table of the database with its exact row count, read straight from PostgreSQL. */
async function tableCounts(): Promise<Map<string, number>> {
  const client = new Client({ connectionString: t.databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ schemaname: string; tablename: string }>(
      "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2");
    const counts = new Map<string, number>();
    for (const { schemaname, tablename } of tables.rows) {
      const name = `${client.escapeIdentifier(schemaname)}.${client.escapeIdentifier(tablename)}`;
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
      counts.set(`${schemaname}.${tablename}`, Number(rows[0].n));
    }
    return counts;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  tablesBefore = await tableCounts();
});

describe('LIKE wildcards, quotes and backslashes are matched literally', () => {
  const only = (...families: string[]) => new Set(families.map((f) => `Patient/${byFamily.get(f)}`));
  const cases: [string, string, () => Set<string>][] = [
    ['family', "O'Brien", () => only("O'Brien")],
    ['family', "o'b", () => only("O'Brien")],
    ['family:exact', "O'Brien", () => only("O'Brien")],
    ['family:contains', "'", () => only("O'Brien")],
    ['family', "O''Brien", () => only()],
    ['family', '100%', () => only('100%')],
    ['family', '%', () => only()],
    ['family', '%Brien', () => only()],
    ['family:contains', '%', () => only('100%')],
    ['family:exact', '100%', () => only('100%')],
    ['family', 'a_b', () => only('a_b')],
    ['family', '_', () => only()],
    ['family', 'a_', () => only('a_b')],
    ['family:contains', '_', () => only('a_b')],
    ['family:exact', 'a_b', () => only('a_b')],
    ['family', 'back\\\\slash', () => only('back\\slash')],
    ['family:contains', '\\\\', () => only('back\\slash')],
    ['family', "' OR '1'='1", () => only()],
    ['name', "O'Brien", () => only("O'Brien")],
    ['address-city', "quote'", () => only("O'Brien")],
    ['identifier', "urn:inj|x'y", () => only("O'Brien")],
    ['identifier', 'a%', () => only()],
    ['identifier', '_bc', () => only()],
    ['identifier', 'abc', () => only('Smith')],
  ];
  it.each(cases)('Patient?%s=%s', async (name, value, expected) => {
    const answer = await send('Patient', [[name, value]]);
    expect(answer.status).toBe(200);
    expect(matchIds(answer.body).sort()).toEqual([...expected()].sort());
    expect(answer.ms).toBeLessThan(2000);
  });

  it('family=back\\slash (an undefined escape) finds back\\slash or is refused naming family', async () => {
    const answer = await send('Patient', [['family', 'back\\slash']]);
    if (answer.status === 400) expect(outcomeTexts(answer.body).some((x) => x.includes('family'))).toBe(true);
    else expect(matchIds(answer.body)).toEqual([`Patient/${byFamily.get('back\\slash')}`]);
  });

  it('token codes and texts: _ and % are not wildcards', async () => {
    const obs = (code: string) => created.filter((r) => r.resourceType === 'Observation' && r.code.coding[0].code === code).map((r) => `Observation/${r.id}`);
    const check = async (pairs: Pairs, expected: string[]) => {
      const answer = await send('Observation', pairs);
      expect({ pairs, status: answer.status, ids: matchIds(answer.body).sort() }).toEqual({ pairs, status: 200, ids: expected.sort() });
    };
    await check([['code', 'a_b']], obs('a_b'));
    await check([['code', 'urn:test|a_b']], obs('a_b'));
    await check([['code', 'a%']], []);
    await check([['code', 'urn:test|_xb']], []);
    await check([['code', '%|a_b']], []);
    await check([['code:text', '100%']], obs('a_b'));
    await check([['code:text', '%']], []);
    await check([['code:text', "o'brien"]], obs('axb'));
    await check([['_profile', 'http://example.org/%']], []);
  });
});

it('the parameters refused above with hostile values answer well-formed ones (the refusals are not mere lack of support)', async () => {
  const obs = (code: string) => created.filter((r) => r.resourceType === 'Observation' && r.code.coding[0].code === code).map((r) => `Observation/${r.id}`);
  const patients = [...byFamily.values()].map((id) => `Patient/${id}`);
  const smith = [`Patient/${byFamily.get('Smith')}`];
  const risk = created.filter((r) => r.resourceType === 'RiskAssessment').map((r) => `RiskAssessment/${r.id}`);
  const cases: [string, Pairs, string[]][] = [
    ['Observation', [['date', '2020-03-04']], obs('a_b')],
    ['Observation', [['date', 'ge2021']], obs('axb')],
    ['Patient', [['birthdate', '1970']], patients],
    ['Observation', [['_lastUpdated', 'gt2000-01-01']], [...obs('a_b'), ...obs('axb')]],
    ['RiskAssessment', [['probability', '0.3']], risk],
    ['RiskAssessment', [['probability', 'gt0.5']], []],
    ['Observation', [['value-quantity', '5.4']], obs('a_b')],
    ['Observation', [['value-quantity', 'gt10|http://unitsofmeasure.org|kg']], obs('axb')],
    ['Observation', [['code-value-quantity', 'urn:test|a_b$5.4']], obs('a_b')],
    ['Observation', [['subject', smith[0]]], obs('a_b')],
    ['Patient', [...smithOnly, ['_sort', '-family']], smith],
    ['Patient', [...smithOnly, ['_revinclude', 'Observation:subject']], smith],
    ['Patient', [...smithOnly, ['_elements', 'gender']], smith],
    ['Patient', [...smithOnly, ['_total', 'accurate']], smith],
    ['Patient', [['_has:Observation:patient:code', 'a_b']], smith],
    ['Observation', [['subject:Patient.name', 'smi']], obs('a_b')],
  ];
  const problems: string[] = [];
  for (const [type, pairs, expected] of cases) {
    const answer = await send(type, pairs, { strict: true });
    const got = answer.status === 200 ? matchIds(answer.body).sort() : [];
    if (answer.status !== 200 || JSON.stringify(got) !== JSON.stringify([...expected].sort())) {
      problems.push(`${type}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}: HTTP ${answer.status}, ${got.length} matches, expected ${expected.length}`);
    }
  }
  expect(problems).toEqual([]);
  const counted = await send('Patient', [...smithOnly, ['_summary', 'count']], { strict: true });
  expect({ status: counted.status, total: counted.body?.total }).toEqual({ status: 200, total: 1 });
  const included = await send('Observation', [...aOnly, ['_include', 'Observation:subject']], { strict: true });
  expect((included.body?.entry ?? []).filter((e: any) => e.search?.mode === 'include').map((e: any) => `Patient/${e.resource.id}`)).toEqual(smith);
  const page = await send('Patient', [['_count', '1']], { strict: true });
  expect(matchIds(page.body)).toHaveLength(1);
});

it.each(POSITIONS.map((p) => [p.title, p] as const))('%s: 200 or 400, fast, correct', async (_title, pos) => {
  expect(await barrage(pos)).toEqual([]);
});

it('undecodable percent sequences and raw quotes in the query string are refused or matched literally', async () => {
  const problems: string[] = [];
  for (const qs of ['family=%C0%27', 'family=%E2%80', 'family=%', 'family=%%27', "family='", 'family=%27%00', '%00=x', 'family:%ZZ=x', '_sort=%C0%27', "_has:Observation:patient:code='"]) {
    const answer = await sendRaw('Patient', qs);
    if (answer.ms >= 2000) problems.push(`${qs}: ${answer.ms} ms`);
    if (answer.status !== 200 && answer.status !== 400) problems.push(`${qs}: HTTP ${answer.status}`);
    if (answer.status === 400 && answer.body?.resourceType !== 'OperationOutcome') problems.push(`${qs}: 400 without OperationOutcome`);
    if (answer.status === 200 && matchIds(answer.body).length > 0 && !qs.startsWith('_sort') && !qs.startsWith('%00')) {
      problems.push(`${qs}: ${matchIds(answer.body).length} matches`);
    }
  }
  expect(problems).toEqual([]);
});

it('the database is intact afterwards: same tables, same row counts, reads and searches work', async () => {
  const after = await tableCounts();
  // No table lost a row (an audit trail may grow); the exact set of Patients is checked below.
  expect([...after.keys()].sort()).toEqual([...tablesBefore.keys()].sort());
  const lost = [...tablesBefore].filter(([table, n]) => (after.get(table) ?? 0) < n).map(([table, n]) => `${table}: ${n} → ${after.get(table)}`);
  expect(lost).toEqual([]);
  const read = await fetch(`${t.fhirBase}/Patient/${byFamily.get("O'Brien")}`, { headers: AUTH });
  expect(read.status).toBe(200);
  expect(((await read.json()) as any).name[0].family).toBe("O'Brien");
  const all = await send('Patient', [['_count', '100']]);
  expect(all.status).toBe(200);
  expect(matchIds(all.body).sort()).toEqual([...byFamily.values()].map((id) => `Patient/${id}`).sort());
});
