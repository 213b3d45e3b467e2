// Search over ten Synthea patients answers exactly what an independent reading of R4 search computes from the same JSON.

import { Entry, normalize, sortKey, Store } from './support/evaluator';
import { collect, encodeQuery, getPage, postSearch, searchAll, SearchResult } from './support/search-client';
import { putAll, readSyntheaResources, Resource } from './support/synthea';
import { startTestApp, TestApp } from '../support/test-app';

type Pairs = [string, string][];

let t: TestApp;
let store: Store;
let synthea: Resource[];
let extras: Resource[];
let beforeLoad: string;
let cut: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const SYNTHEA_TAG = 'https://smarthealthit.org/tags|synthea-5-2019';
const TEST_PROFILE = 'http://example.org/fhir/StructureDefinition/search-test-patient';

// ------------------------------------------------------------------ picks from the data

const ofType = (type: string) => synthea.filter((r) => r.resourceType === type);
const ref = (r: Resource) => `${r.resourceType}/${r.id}`;
const countBy = <T>(items: T[], key: (x: T) => string) => {
  const m = new Map<string, number>();
  for (const x of items) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
};
const subjectId = (r: Resource) => (r.subject?.reference ?? r.patient?.reference ?? '').split('/')[1];
const obsCode = (o: Resource) => o.code.coding[0] as { system: string; code: string; display: string };

/** The patient with the most observations. */
const patientP = () => store.get('Patient', countBy(ofType('Observation'), subjectId)[0][0]);
const obsOfP = () => ofType('Observation').filter((o) => subjectId(o) === patientP().id)
  .sort((a, b) => a.effectiveDateTime.localeCompare(b.effectiveDateTime));
/** An observation of P from the middle of its record. */
const obsO = () => obsOfP()[Math.floor(obsOfP().length / 2)];
const commonCode = () => {
  const [key] = countBy(ofType('Observation'), (o) => `${obsCode(o).system}|${obsCode(o).code}`)[0];
  return ofType('Observation').map(obsCode).find((c) => `${c.system}|${c.code}` === key)!;
};
/** A code held by some patients' resources of `type` but not by all patients. */
function partialCode(type: string, codeOf: (r: Resource) => { code: string }): string {
  const patients = ofType('Patient').length;
  const holders = new Map<string, Set<string>>();
  for (const r of ofType(type)) {
    const c = codeOf(r).code;
    if (!holders.has(c)) holders.set(c, new Set());
    holders.get(c)!.add(subjectId(r));
  }
  const best = [...holders.entries()].filter(([, s]) => s.size > 1 && s.size < patients).sort((a, b) => b[1].size - a[1].size || a[0].localeCompare(b[0]));
  if (best.length === 0) throw new Error(`No partially held ${type} code`);
  return best[0][0];
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bodyHeights = () => ofType('Observation').filter((o) => obsCode(o).code === '8302-2').map((o) => o.valueQuantity.value as number);

/** Resources the test writes itself, after the Synthea load: cases Synthea lacks. */
function buildExtras(): Resource[] {
  const p = patientP();
  const first = Number(obsOfP()[0].effectiveDateTime.slice(0, 4));
  const c = commonCode();
  const height = Math.round(median(bodyHeights()));
  return [
    {
      resourceType: 'Observation', id: 'search-extra-nosystem', status: 'preliminary',
      code: { coding: [{ code: c.code, display: c.display }] },
      subject: { reference: `Patient/${p.id}` },
      effectiveDateTime: `${first - 3}-06-15`,
      valueQuantity: { value: height + 0.2, unit: 'cm' },
    },
    {
      resourceType: 'Observation', id: 'search-extra-period', status: 'amended',
      code: { coding: [{ system: c.system, code: c.code }], text: c.display },
      subject: { reference: `Patient/${p.id}` },
      effectivePeriod: { start: `${first - 2}-02-01T10:00:00Z`, end: `${first - 2}-03-15` },
      valueQuantity: { value: 70, unit: 'kg', system: UCUM, code: 'kg' },
    },
    {
      resourceType: 'Patient', id: 'search-extra-patient',
      meta: { profile: [TEST_PROFILE] },
      name: [{ family: 'Krisová', given: ['Zoë'] }],
      gender: 'unknown', birthDate: '1980',
      identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:example:mrn', value: 'X-1' }],
    },
    { resourceType: 'Medication', id: 'search-extra-medication', code: { text: 'Example tablet' } },
    {
      resourceType: 'MedicationRequest', id: 'search-extra-medication-request', status: 'active', intent: 'order',
      medicationReference: { reference: 'Medication/search-extra-medication' },
      subject: { reference: `Patient/${p.id}` },
    },
  ];
}

beforeAll(async () => {
  t = await startTestApp({ FHIR_UPDATE_CREATE: 'true' });
  synthea = readSyntheaResources();
  store = new Store(synthea, t.fhirBase);
  beforeLoad = new Date().toISOString();
  await sleep(20);
  await putAll(t.fhirBase, synthea, 8);
  await sleep(20);
  cut = new Date().toISOString();
  await sleep(20);
  extras = buildExtras();
  await putAll(t.fhirBase, extras, 8);
  store = new Store([...synthea, ...extras], t.fhirBase);
}, 120000);
afterAll(() => t?.close());

// ------------------------------------------------------------------ comparing with the evaluator

interface Check {
  type: string;
  pairs: Pairs;
  /** The expected `Type/id`s; computed by the evaluator from `pairs` when absent. */
  expected?: Set<string>;
  allowEmpty?: boolean;
  allowAll?: boolean;
  count?: number;
}

const label = (c: Check) => `${c.type}?${c.pairs.map(([k, v]) => `${k}=${v}`).join('&')}`;

function expectedOf(c: Check): Set<string> {
  return c.expected ?? new Set([...store.search(c.type, c.pairs.map(([name, value]) => ({ name, value }) as Entry))].map((id) => `${c.type}/${id}`));
}

/** Describes how the served ids differ from the expected ones, or undefined when they agree. */
function difference(query: string, got: string[], expected: Set<string>, total?: number): string | undefined {
  const seen = new Set<string>();
  const duplicates = got.filter((x) => (seen.has(x) ? true : (seen.add(x), false)));
  const missing = [...expected].filter((x) => !seen.has(x));
  const unexpected = [...seen].filter((x) => !expected.has(x));
  const problems: string[] = [];
  if (missing.length) problems.push(`${missing.length} missing (e.g. ${missing.slice(0, 2).join(', ')})`);
  if (unexpected.length) problems.push(`${unexpected.length} unexpected (e.g. ${unexpected.slice(0, 2).join(', ')})`);
  if (duplicates.length) problems.push(`${duplicates.length} served twice (e.g. ${duplicates[0]})`);
  if (total !== undefined && total !== expected.size) problems.push(`Bundle.total ${total}`);
  return problems.length ? `${query}: expected ${expected.size}, got ${got.length}; ${problems.join('; ')}` : undefined;
}

/** Runs one search to its last page; returns a description of any disagreement. */
async function run(c: Check): Promise<string | undefined> {
  const expected = expectedOf(c);
  const all = store.all(c.type).length;
  if (!c.allowEmpty && expected.size === 0) return `${label(c)}: the test picked a search that matches nothing`;
  if (!c.allowAll && expected.size === all) return `${label(c)}: the test picked a search that matches everything`;
  const count = c.count ?? (expected.size <= 21 ? 7 : Math.ceil(expected.size / 2) + 1);
  let result: SearchResult;
  try {
    result = await searchAll(t, c.type, [...c.pairs, ['_count', String(count)]]);
  } catch (err) {
    return (err as Error).message;
  }
  return difference(label(c), result.matches, expected, result.total);
}

/** Runs every check in turn and reports all disagreements together. */
async function expectAll(checks: Check[]): Promise<void> {
  const failures: string[] = [];
  for (const c of checks) {
    const problem = await run(c);
    if (problem) failures.push(problem);
  }
  expect(failures).toEqual([]);
}

/** A grid of checks where single cells may legitimately match nothing or everything, but most must discriminate. */
async function expectGrid(checks: Check[]): Promise<void> {
  const discriminating = checks.filter((c) => {
    const n = expectedOf(c).size;
    return n > 0 && n < store.all(c.type).length;
  });
  expect(discriminating.length).toBeGreaterThanOrEqual(Math.ceil(checks.length / 2));
  await expectAll(checks.map((c) => ({ ...c, allowEmpty: true, allowAll: true })));
}

// ------------------------------------------------------------------ the checks

it('loads every fixture resource, each carrying the Synthea tag', () => {
  expect(synthea.length).toBeGreaterThan(1500);
  expect(ofType('Patient')).toHaveLength(10);
  expect(synthea.every((r) => r.meta?.tag?.some((tag: any) => `${tag.system}|${tag.code}` === SYNTHEA_TAG))).toBe(true);
});

it('string: prefix, case and accent insensitive; :exact; :contains; name, given, address-city', async () => {
  const families = countBy(ofType('Patient').flatMap((p) => p.name.map((n: any) => n.family as string)), (f) => f);
  const shared = families[0][0];
  const accented = families.map(([f]) => f).find((f) => normalize(f) !== f.toLowerCase());
  expect(accented).toBeDefined();
  const plain = normalize(accented!);
  const p = patientP();
  const family = p.name[0].family as string;
  const given = p.name[0].given[0] as string;
  const city = p.address[0].city as string;
  await expectAll([
    { type: 'Patient', pairs: [['family', shared.slice(0, 3).toUpperCase()]] },
    { type: 'Patient', pairs: [['family', shared.toLowerCase()]] },
    { type: 'Patient', pairs: [['family', plain]] },
    { type: 'Patient', pairs: [['family', plain.toUpperCase()]] },
    { type: 'Patient', pairs: [['family', accented!]] },
    { type: 'Patient', pairs: [['family', 'krisova']] },
    { type: 'Patient', pairs: [['family:exact', family]] },
    { type: 'Patient', pairs: [['family:exact', family.toLowerCase()]], allowEmpty: true },
    { type: 'Patient', pairs: [['family:exact', accented!]] },
    { type: 'Patient', pairs: [['family:exact', plain]], allowEmpty: true },
    { type: 'Patient', pairs: [['family:contains', family.slice(1, 4).toUpperCase()]] },
    { type: 'Patient', pairs: [['family:contains', 'ció']] },
    { type: 'Patient', pairs: [['given', given.slice(0, 3).toLowerCase()]] },
    { type: 'Patient', pairs: [['given', 'zoe']] },
    { type: 'Patient', pairs: [['name', family.toLowerCase()]] },
    { type: 'Patient', pairs: [['name', given.toUpperCase()]] },
    { type: 'Patient', pairs: [['address-city', city.slice(0, 4).toLowerCase()]] },
    { type: 'Patient', pairs: [['address', p.address[0].state.toUpperCase()]] },
    { type: 'Patient', pairs: [['address', p.address[0].line[0].split(' ')[0]]] },
    { type: 'Patient', pairs: [['address-postalcode', p.address[0].postalCode.slice(0, 3)]] },
    { type: 'Patient', pairs: [['name:exact', given]] },
    { type: 'Patient', pairs: [['name:contains', family.slice(1, 4)]] },
    { type: 'Patient', pairs: [['family', 'nobody-has-this-name']], allowEmpty: true },
  ]);
});

it('token: code, system|code, |code, system|, :not, :text, gender, identifier, :of-type, clinical-status', async () => {
  const c = commonCode();
  const word = c.display.split(' ')[0];
  const p = patientP();
  const ssn = p.identifier.find((i: any) => i.type?.coding?.[0]?.code === 'SS');
  const v2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
  await expectAll([
    { type: 'Observation', pairs: [['code', c.code]] },
    { type: 'Observation', pairs: [['code', `${c.system}|${c.code}`]] },
    { type: 'Observation', pairs: [['code', `|${c.code}`]] },
    { type: 'Observation', pairs: [['code', `${c.system}|`]] },
    { type: 'Observation', pairs: [['code', `http://snomed.info/sct|${c.code}`]], allowEmpty: true },
    { type: 'Observation', pairs: [['code:not', `${c.system}|${c.code}`]] },
    { type: 'Observation', pairs: [['code:not', c.code]] },
    { type: 'Observation', pairs: [['code:text', word.toLowerCase()]] },
    { type: 'Observation', pairs: [['code:text', c.display.toUpperCase()]] },
    { type: 'Patient', pairs: [['gender', 'female']] },
    { type: 'Patient', pairs: [['gender', 'male']] },
    { type: 'Patient', pairs: [['gender:not', 'male']] },
    { type: 'Patient', pairs: [['identifier', `${ssn.system}|${ssn.value}`]] },
    { type: 'Patient', pairs: [['identifier', ssn.value]] },
    { type: 'Patient', pairs: [['identifier:of-type', `${v2}|SS|${ssn.value}`]] },
    { type: 'Patient', pairs: [['identifier:of-type', `${v2}|DL|${ssn.value}`]], allowEmpty: true },
    { type: 'Patient', pairs: [['identifier:of-type', `${v2}|MR|X-1`]] },
    { type: 'Patient', pairs: [['identifier:text', 'driver']] },
    { type: 'Observation', pairs: [['category', 'vital-signs']] },
    { type: 'Observation', pairs: [['value-concept', valueConcept()]] },
    { type: 'Encounter', pairs: [['class', 'http://terminology.hl7.org/CodeSystem/v3-ActCode|AMB']] },
    { type: 'Condition', pairs: [['clinical-status', 'active']] },
    { type: 'Condition', pairs: [['clinical-status', 'http://terminology.hl7.org/CodeSystem/condition-clinical|resolved']] },
  ]);
});

const PREFIXES = ['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb'];

it('date: every prefix against year, month, day and second precision (Observation.effective[x])', async () => {
  const e = obsO().effectiveDateTime as string;
  const instant = new Date(e);
  const shifted = new Date(instant.getTime() + 5 * 3600_000).toISOString().slice(0, 19) + '+05:00';
  const values = [e.slice(0, 4), e.slice(0, 7), e.slice(0, 10), e, instant.toISOString().replace('.000Z', 'Z')];
  const checks: Check[] = [];
  for (const v of values) for (const prefix of PREFIXES) checks.push({ type: 'Observation', pairs: [['date', `${prefix}${v}`]] });
  checks.push({ type: 'Observation', pairs: [['date', shifted]] });
  checks.push({ type: 'Observation', pairs: [['date', e.slice(0, 10)]] });
  await expectGrid(checks);
});

it('date: a day-precision value and a Period as targets', async () => {
  const day = extras[0].effectiveDateTime as string;
  const periodStart = extras[1].effectivePeriod.start as string;
  const values = [day, day.slice(0, 7), periodStart.slice(0, 7), periodStart, `${periodStart.slice(0, 4)}-03-15`];
  const checks: Check[] = [];
  for (const v of values) for (const prefix of PREFIXES) checks.push({ type: 'Observation', pairs: [['patient', patientP().id], ['date', `${prefix}${v}`]] });
  await expectGrid(checks);
});

it('date: Patient.birthdate and Encounter.date (a Period)', async () => {
  const p = patientP();
  const enc = ofType('Encounter').filter((x) => subjectId(x) === p.id).sort((a, b) => a.period.start.localeCompare(b.period.start));
  const e = enc[Math.floor(enc.length / 2)].period.start as string;
  const checks: Check[] = [];
  for (const prefix of PREFIXES) {
    for (const v of ['1980', p.birthDate, p.birthDate.slice(0, 7)]) checks.push({ type: 'Patient', pairs: [['birthdate', `${prefix}${v}`]] });
    for (const v of [e.slice(0, 4), e.slice(0, 7), e.slice(0, 10), e]) checks.push({ type: 'Encounter', pairs: [['date', `${prefix}${v}`]] });
  }
  await expectGrid(checks);
});

it('quantity: prefixes, implicit precision of eq/ne, system|code and ||unit', async () => {
  const heights = bodyHeights();
  const h = Math.round(median(heights));
  const values = ofType('Observation').filter((o) => o.valueQuantity).map((o) => o.valueQuantity.value as number);
  const m = Math.round(median(values));
  const precise = median(heights).toFixed(1);
  await expectAll([
    { type: 'Observation', pairs: [['value-quantity', `gt${m}`]] },
    { type: 'Observation', pairs: [['value-quantity', `lt${m}`]] },
    { type: 'Observation', pairs: [['value-quantity', `ge${m}`]] },
    { type: 'Observation', pairs: [['value-quantity', `le${m}`]] },
    { type: 'Observation', pairs: [['value-quantity', `${h}`]] },
    { type: 'Observation', pairs: [['value-quantity', `eq${h}`]] },
    { type: 'Observation', pairs: [['value-quantity', `eq${precise}`]] },
    { type: 'Observation', pairs: [['value-quantity', `ne${h}`]] },
    { type: 'Observation', pairs: [['value-quantity', `gt${h}|${UCUM}|cm`]] },
    { type: 'Observation', pairs: [['value-quantity', `${h}|${UCUM}|cm`]] },
    { type: 'Observation', pairs: [['value-quantity', `${h}||cm`]] },
    { type: 'Observation', pairs: [['value-quantity', `le${h}||kg`]] },
    { type: 'Observation', pairs: [['value-quantity', `lt${m}|${UCUM}|mg/dL`]] },
  ]);
});

it('reference: id, Type/id, absolute URL, :Type, encounter', async () => {
  const p = patientP();
  const o = obsO();
  await expectAll([
    { type: 'Observation', pairs: [['patient', p.id]] },
    { type: 'Observation', pairs: [['patient', `Patient/${p.id}`]] },
    { type: 'Observation', pairs: [['subject', `Patient/${p.id}`]] },
    { type: 'Observation', pairs: [['subject', `${t.fhirBase}/Patient/${p.id}`]] },
    { type: 'Observation', pairs: [['subject:Patient', p.id]] },
    { type: 'Observation', pairs: [['subject', p.id]] },
    { type: 'Observation', pairs: [['encounter', o.encounter.reference.split('/')[1]]] },
    { type: 'Observation', pairs: [['encounter', o.encounter.reference]] },
    { type: 'Encounter', pairs: [['patient', p.id]] },
    { type: 'Claim', pairs: [['patient', p.id]] },
    { type: 'Observation', pairs: [['patient', 'Patient/not-a-patient']], allowEmpty: true },
  ]);
});

it('composite: code-value-quantity and component-code-value-quantity pair values within one element', async () => {
  const sys = ofType('Observation').flatMap((o) => o.component ?? []).filter((c: any) => c.code.coding[0].code === '8480-6').map((c: any) => c.valueQuantity.value as number);
  expect(sys.length).toBeGreaterThan(10);
  const s = Math.round(median(sys));
  const h = Math.round(median(bodyHeights()));
  await expectAll([
    { type: 'Observation', pairs: [['code-value-quantity', `${LOINC}|8302-2$gt${h}`]] },
    { type: 'Observation', pairs: [['code-value-quantity', `8302-2$lt${h}|${UCUM}|cm`]] },
    { type: 'Observation', pairs: [['code-value-quantity', `${LOINC}|8302-2$gt${h},${LOINC}|29463-7$lt${h}`]] },
    { type: 'Observation', pairs: [['component-code-value-quantity', `${LOINC}|8480-6$gt${s}`]] },
    { type: 'Observation', pairs: [['component-code-value-quantity', `${LOINC}|8462-4$gt${s}`]], allowEmpty: true },
    { type: 'Observation', pairs: [['component-code-value-quantity', `${LOINC}|8462-4$lt${s}`]] },
  ]);
});

it('common parameters: _id, _lastUpdated, _tag, _profile, :missing', async () => {
  const obs = ofType('Observation');
  const syntheaObs = new Set(obs.map(ref));
  const extraObs = new Set(extras.filter((r) => r.resourceType === 'Observation').map(ref));
  const allObs = new Set([...syntheaObs, ...extraObs]);
  await expectAll([
    { type: 'Observation', pairs: [['_id', obs[0].id]] },
    { type: 'Observation', pairs: [['_id', `${obs[0].id},${obs[1].id},no-such-id`]] },
    { type: 'Observation', pairs: [['_lastUpdated', `gt${beforeLoad}`]], expected: allObs, allowAll: true },
    { type: 'Observation', pairs: [['_lastUpdated', `ge${cut}`]], expected: extraObs },
    { type: 'Observation', pairs: [['_lastUpdated', `lt${cut}`]], expected: syntheaObs },
    { type: 'Observation', pairs: [['_lastUpdated', `gt${beforeLoad}`], ['_lastUpdated', `le${cut}`]], expected: syntheaObs },
    { type: 'Observation', pairs: [['_lastUpdated', `lt${beforeLoad}`]], expected: new Set(), allowEmpty: true },
    { type: 'Observation', pairs: [['_tag', SYNTHEA_TAG]] },
    { type: 'Observation', pairs: [['_tag:not', SYNTHEA_TAG]] },
    { type: 'Patient', pairs: [['_profile', TEST_PROFILE]] },
    { type: 'Encounter', pairs: [['reason-code:missing', 'true']] },
    { type: 'Encounter', pairs: [['reason-code:missing', 'false']] },
    { type: 'Patient', pairs: [['death-date:missing', 'false']] },
    { type: 'Observation', pairs: [['encounter:missing', 'true']] },
    { type: 'Observation', pairs: [['value-quantity:missing', 'true']] },
    { type: 'Observation', pairs: [['date:missing', 'false']], allowAll: true },
    { type: 'Patient', pairs: [['family:missing', 'false']], allowAll: true },
  ]);
});

it('chains and reverse chains (_has)', async () => {
  const p = patientP();
  const obsCodeForHas = partialCode('Observation', obsCode);
  const condCode = partialCode('Condition', (c) => c.code.coding[0]);
  const drCode = partialCode('DiagnosticReport', (d) => d.code.coding[0]);
  const drResultCode = countBy(ofType('DiagnosticReport').flatMap((d) => d.result.map((r: any) => obsCode(store.resolve(r.reference)!))), (c) => c.code)[0][0];
  await expectAll([
    { type: 'Observation', pairs: [['subject:Patient.name', p.name[0].family]] },
    { type: 'Observation', pairs: [['patient.gender', 'female']] },
    { type: 'Observation', pairs: [['patient.gender', 'unknown,female']] },
    { type: 'Observation', pairs: [['patient.gender', 'female'], ['patient.birthdate', 'ge1975']] },
    { type: 'Observation', pairs: [['patient.birthdate', 'lt1970']] },
    { type: 'Observation', pairs: [['patient._id', p.id]] },
    { type: 'Observation', pairs: [['subject:Patient.identifier', `${p.identifier[2].system}|${p.identifier[2].value}`]] },
    { type: 'Observation', pairs: [['encounter.subject:Patient.birthdate', 'ge1980']] },
    { type: 'DiagnosticReport', pairs: [['result.code', drResultCode]] },
    { type: 'Claim', pairs: [['patient.gender', 'male']] },
    { type: 'Patient', pairs: [['_has:Observation:patient:code', obsCodeForHas]] },
    { type: 'Patient', pairs: [['_has:Condition:subject:code', condCode]] },
    { type: 'Patient', pairs: [['_has:Condition:subject:code', condCode], ['gender', 'male']], allowEmpty: true },
    { type: 'Patient', pairs: [['_has:Observation:patient:_has:DiagnosticReport:result:code', drCode]] },
    { type: 'Observation', pairs: [['subject:Patient.family:exact', p.name[0].family]] },
    { type: 'Observation', pairs: [['subject:Patient._has:Condition:subject:code', condCode]] },
  ]);
});

it('OR within a parameter, AND across repeats and parameters', async () => {
  const codes = countBy(ofType('Observation'), (o) => obsCode(o).code).map(([c]) => c);
  const p = patientP();
  const e = obsO().effectiveDateTime as string;
  const year = Number(e.slice(0, 4));
  await expectAll([
    { type: 'Observation', pairs: [['code', `${codes[1]},${codes[2]}`]] },
    { type: 'Observation', pairs: [['code', `${LOINC}|${codes[1]},${LOINC}|${codes[3]}`]] },
    { type: 'Observation', pairs: [['code', codes[1]], ['code', codes[2]]], allowEmpty: true },
    { type: 'Observation', pairs: [['date', `ge${year - 2}`], ['date', `le${year + 1}`]] },
    { type: 'Observation', pairs: [['patient', p.id], ['code', codes[0]]] },
    { type: 'Observation', pairs: [['patient', p.id], ['date', `ge${year}-01-01`], ['date', `lt${year + 3}-01-01`], ['code', `${codes[0]},${codes[1]}`]] },
    { type: 'Patient', pairs: [['family', `${p.name[0].family},Nobody`]] },
    { type: 'Patient', pairs: [['gender', 'female,unknown']] },
  ]);
});

describe('sorting', () => {
  async function sorted(sort: string, keys: [string, boolean][], type = 'Observation') {
    const filter: Pairs = type === 'Observation' ? [['patient', patientP().id]] : [];
    const pairs: Pairs = [...filter, ['_sort', sort]];
    const expectedIds = store.search(type, filter.map(([name, value]) => ({ name, value })));
    const keyOf = (r: Resource) => keys.map(([param, desc]) => sortKey(r, param, desc));
    const cmp = (a: (string | number | undefined)[], b: (string | number | undefined)[]) => {
      for (let i = 0; i < keys.length; i++) {
        if (a[i] === b[i]) continue;
        const less = (a[i] as any) < (b[i] as any);
        return (less ? -1 : 1) * (keys[i][1] ? -1 : 1);
      }
      return 0;
    };
    const expectedKeys = [...expectedIds].map((id) => keyOf(store.get(type, id))).sort(cmp);
    const result = await searchAll(t, type, [...pairs, ['_count', type === 'Observation' ? '7' : '3']]);
    expect(difference(label({ type, pairs }), result.matches, keysOf(type, expectedIds))).toBeUndefined();
    const servedKeys = result.matches.map((k) => keyOf(store.get(type, k.split('/')[1])));
    expect(servedKeys).toEqual(expectedKeys);
  }
  it('_sort=date pages through every match once, oldest first', () => sorted('date', [['date', false]]));
  it('_sort=-date, newest first', () => sorted('-date', [['date', true]]));
  it('_sort=status,-date orders by the first key, then the second', () => sorted('status,-date', [['status', false], ['date', true]]));
  it('Patient?_sort=birthdate and -birthdate, a date of any precision', async () => {
    await sorted('birthdate', [['birthdate', false]], 'Patient');
    await sorted('-birthdate', [['birthdate', true]], 'Patient');
  });
  it('Patient?_sort=gender,-birthdate', () => sorted('gender,-birthdate', [['gender', false], ['birthdate', true]], 'Patient'));
});

describe('_include and _revinclude', () => {
  async function included(type: string, pairs: Pairs, expectedMatches: Set<string>, expectedIncludes: Set<string>, count = 1000) {
    const result = await searchAll(t, type, [...pairs, ['_count', String(count)]]);
    const q = label({ type, pairs });
    expect(difference(q, result.matches, expectedMatches)).toBeUndefined();
    expect(difference(`${q} (included)`, [...new Set(result.includes)], expectedIncludes)).toBeUndefined();
    for (const page of result.pages) {
      const keys = (page.entry ?? []).filter((e: any) => e.search?.mode === 'include').map((e: any) => `${e.resource.resourceType}/${e.resource.id}`);
      expect(keys.length).toBe(new Set(keys).size);
    }
    if (count >= 1000) expect(result.includes.length).toBe(expectedIncludes.size);
    expect(result.total === undefined || result.total === expectedMatches.size).toBe(true);
  }
  const keys = (type: string, ids: Set<string>) => new Set([...ids].map((id) => `${type}/${id}`));

  it('Observation:patient includes the one referenced Patient', async () => {
    const p = patientP();
    const matches = keys('Observation', store.search('Observation', [{ name: 'patient', value: p.id }]));
    await included('Observation', [['patient', p.id], ['_include', 'Observation:patient']], matches, new Set([ref(p)]));
    await included('Observation', [['patient', p.id], ['_include', 'Observation:patient']], matches, new Set([ref(p)]), 7);
    await included('Observation', [['patient', p.id], ['_include', 'Observation:subject:Patient']], matches, new Set([ref(p)]));
    await included('Observation', [['patient', p.id], ['_include', 'Observation:subject:Group']], matches, new Set());
  });

  it('_revinclude=Observation:subject brings every Observation of the patient', async () => {
    const p = patientP();
    const obs = store.referencing('Observation', 'subject', [p]);
    expect(obs.size).toBeGreaterThan(20);
    await included('Patient', [['_id', p.id], ['_revinclude', 'Observation:subject']], new Set([ref(p)]), obs);
  });

  it('MedicationRequest:medication includes the referenced Medication', async () => {
    const p = patientP();
    const requests = store.all('MedicationRequest').filter((r) => subjectId(r) === p.id);
    await included('MedicationRequest', [['patient', p.id], ['_include', 'MedicationRequest:medication']],
      new Set(requests.map(ref)), store.referenced(requests, 'medication'));
  });

  it('_include=* includes every resource the matches reference', async () => {
    const report = ofType('DiagnosticReport').sort((a, b) => b.result.length - a.result.length)[0];
    const expected = store.allReferenced([report]);
    expect(expected.size).toBeGreaterThan(3);
    await included('DiagnosticReport', [['_id', report.id], ['_include', 'DiagnosticReport:*']], new Set([ref(report)]), expected);
    await included('DiagnosticReport', [['_id', report.id], ['_include', '*']], new Set([ref(report)]), expected);
  });

  it('_include:iterate follows the included resources', async () => {
    const enc = store.get('Encounter', obsO().encounter.reference.split('/')[1]);
    const obs = [...store.referencing('Observation', 'encounter', [enc])].map((k) => store.get('Observation', k.split('/')[1]));
    expect(obs.length).toBeGreaterThan(1);
    const expected = new Set([...obs.map(ref), ...store.referenced(obs, 'patient')]);
    await included('Encounter', [['_id', enc.id], ['_revinclude', 'Observation:encounter'], ['_include:iterate', 'Observation:patient']],
      new Set([ref(enc)]), expected);
  });
});

describe('result parameters', () => {
  it('_total=accurate gives the exact count on a short page', async () => {
    const c = commonCode();
    const expected = store.search('Observation', [{ name: 'code', value: c.code }]);
    const page = await getPage(t, `/fhir/Observation?${encodeQuery([['code', c.code], ['_total', 'accurate'], ['_count', '7']])}`);
    expect(page.status).toBe(200);
    expect(page.bundle.total).toBe(expected.size);
    expect(page.bundle.entry.filter((e: any) => e.search?.mode === 'match')).toHaveLength(7);
  });

  it('_summary=count answers the total and no entries', async () => {
    const expected = store.search('Observation', [{ name: 'patient.gender', value: 'female' }]);
    const page = await getPage(t, `/fhir/Observation?${encodeQuery([['patient.gender', 'female'], ['_summary', 'count']])}`);
    expect(page.status).toBe(200);
    expect(page.bundle.total).toBe(expected.size);
    expect((page.bundle.entry ?? []).filter((e: any) => e.search?.mode !== 'outcome')).toEqual([]);
  });

  it('_elements keeps the named elements (and mandatory ones) and marks the entries SUBSETTED', async () => {
    const p = patientP();
    const expected = keysOf('Observation', store.search('Observation', [{ name: 'patient', value: p.id }]));
    const result = await searchAll(t, 'Observation', [['patient', p.id], ['_elements', 'id,status'], ['_count', '50']]);
    expect(difference('Observation?_elements=id,status', result.matches, expected)).toBeUndefined();
    for (const r of result.resources) {
      expect(r.status).toBe(store.get('Observation', r.id).status);
      expect(Object.keys(r).filter((k) => !['resourceType', 'id', 'meta', 'status', 'code'].includes(k))).toEqual([]);
      expect(r.meta.tag).toContainEqual(expect.objectContaining({ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }));
    }
    const patients = await searchAll(t, 'Patient', [['_elements', 'gender']]);
    expect(patients.resources).toHaveLength(store.all('Patient').length);
    for (const r of patients.resources) {
      expect(r.gender).toBe(store.get('Patient', r.id).gender);
      expect(Object.keys(r).filter((k) => !['resourceType', 'id', 'meta', 'gender'].includes(k))).toEqual([]);
    }
  });

  it('POST [type]/_search with a form body answers the same ids as GET', async () => {
    const p = patientP();
    const c = commonCode();
    const pairs: Pairs = [['patient', p.id], ['code', `${c.system}|${c.code},${commonSecond()}`], ['_count', '7']];
    const expected = keysOf('Observation', store.search('Observation', pairs.map(([name, value]) => ({ name, value }))));
    expect(expected.size).toBeGreaterThan(7);
    const byGet = await searchAll(t, 'Observation', pairs);
    const byPost = await collect(t, await postSearch(t, 'Observation', pairs), 'POST Observation/_search');
    expect(difference('GET', byGet.matches, expected)).toBeUndefined();
    expect(difference('POST', byPost.matches, expected)).toBeUndefined();
  });
});

const keysOf = (type: string, ids: Set<string>) => new Set([...ids].map((id) => `${type}/${id}`));
const valueConcept = () => {
  const c = ofType('Observation').find((o) => o.valueCodeableConcept)!.valueCodeableConcept.coding[0];
  return `${c.system}|${c.code}`;
};
const commonSecond = () => countBy(ofType('Observation'), (o) => obsCode(o).code)[1][0];
