// POST /fhir with batch and transaction Bundles as a client sees them: urn:uuid and conditional references,
// processing order, all-or-nothing, per-entry conditions, Prefer, JSON Patch entries, and Synthea's two
// Bundle styles. https://hl7.org/fhir/R4/http.html#transaction
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { errorCodes, http } from '../support/clients';
import { ndjsonResources, patientTransactions, readJson, supportBatch, URN_BUNDLES } from '../support/synthea-fixtures';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

const FHIR_JSON = { ...AUTH, 'content-type': 'application/fhir+json' };
const MRN = 'http://hospital.example.org/mrn';
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const parse = (res: { text: string }) => JSON.parse(res.text);

function postBundle(bundle: unknown, prefer?: string) {
  const req = http(t).post('/fhir').set(FHIR_JSON);
  if (prefer) req.set('prefer', prefer);
  return req.send(JSON.stringify(bundle));
}

const transaction = (entry: unknown[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });
const batch = (entry: unknown[]) => ({ resourceType: 'Bundle', type: 'batch', entry });

function patient(extra: Record<string, unknown> = {}) {
  return { resourceType: 'Patient', name: [{ family: 'Chalmers', given: ['Peter'] }], gender: 'male', ...extra };
}

function observation(subject: string) {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: subject },
    valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

async function read(ref: string): Promise<any> {
  const res = await http(t).get(`/fhir/${ref}`).set(AUTH);
  expect(res.status).toBe(200);
  return parse(res);
}

/** How many current resources of a type the server holds. */
async function count(type: string): Promise<number> {
  const res = await http(t).get(`/fhir/${type}?_summary=count`).set(AUTH);
  expect(res.status).toBe(200);
  return parse(res).total;
}

async function createPatient(extra: Record<string, unknown> = {}): Promise<any> {
  const res = await http(t).post('/fhir/Patient').set(FHIR_JSON).send(JSON.stringify(patient(extra)));
  expect(res.status).toBe(201);
  return parse(res);
}

describe('transaction', () => {
  it('creates every entry, resolving urn:uuid references to the assigned ids, answering in request order', async () => {
    const p = `urn:uuid:${randomUUID()}`;
    const res = await postBundle(transaction([
      { fullUrl: `urn:uuid:${randomUUID()}`, resource: observation(p), request: { method: 'POST', url: 'Observation' } },
      { fullUrl: p, resource: patient(), request: { method: 'POST', url: 'Patient' } },
    ]));
    expect(res.status).toBe(200);
    const bundle = parse(res);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction-response' });
    expect(bundle.entry).toHaveLength(2);
    const [obs, pat] = bundle.entry.map((e: any) => e.response);
    expect(obs.status).toBe('201 Created');
    expect(obs.location).toMatch(/^Observation\/[0-9a-f-]{36}\/_history\/1$/);
    expect(pat.location).toMatch(/^Patient\/[0-9a-f-]{36}\/_history\/1$/);
    expect(pat.etag).toBe('W/"1"');
    expect(Date.now() - Date.parse(pat.lastModified)).toBeLessThan(60_000);
    expect(bundle.entry[0].resource).toBeUndefined(); // return=minimal by default inside a Bundle
    const patientId = pat.location.split('/')[1];
    const stored = await read(obs.location.split('/_history')[0]);
    expect(stored.subject.reference).toBe(`Patient/${patientId}`);
  });

  it('returns the resources with Prefer: return=representation, and outcomes with return=OperationOutcome', async () => {
    const full = parse(await postBundle(transaction([{ resource: patient(), request: { method: 'POST', url: 'Patient' } }]), 'return=representation'));
    expect(full.entry[0].resource).toMatchObject({ resourceType: 'Patient', meta: { versionId: '1' } });
    expect(full.entry[0].fullUrl).toBe(`${t.fhirBase}/Patient/${full.entry[0].resource.id}`);
    const outcome = parse(await postBundle(transaction([{ resource: patient(), request: { method: 'POST', url: 'Patient' } }]), 'return=OperationOutcome'));
    expect(outcome.entry[0].response.outcome.resourceType).toBe('OperationOutcome');
  });

  it('stores nothing when one entry fails, and answers with that entry\'s status naming it', async () => {
    const before = await count('Patient');
    const res = await postBundle(transaction([
      { resource: patient(), request: { method: 'POST', url: 'Patient' } },
      { resource: patient(), request: { method: 'POST', url: 'Patient' } },
      { resource: { ...patient(), gender: 'sometimes' }, request: { method: 'POST', url: 'Patient' } },
    ]));
    expect(res.status).toBe(400);
    const outcome = parse(res);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].expression).toEqual(['Bundle.entry[2]']);
    expect(errorCodes(outcome)).toContain('bundle-entry-failed');
    expect(await count('Patient')).toBe(before);
  });

  it('runs DELETE, then POST, then PUT/PATCH, then GET, whatever the request order', async () => {
    const existing = await createPatient();
    const doomed = await createPatient();
    const res = await postBundle(transaction([
      { request: { method: 'GET', url: `Patient/${existing.id}` } },
      { resource: { ...existing, gender: 'female' }, request: { method: 'PUT', url: `Patient/${existing.id}` } },
      { request: { method: 'GET', url: `Patient/${doomed.id}/_history` } },
      { request: { method: 'DELETE', url: `Patient/${doomed.id}` } },
    ]));
    expect(res.status).toBe(200);
    const [get, put, history, del] = parse(res).entry;
    expect(get.response.status).toBe('200 OK');
    expect(get.resource).toMatchObject({ id: existing.id, gender: 'female', meta: { versionId: '2' } });
    expect(put.response).toMatchObject({ status: '200 OK', location: `Patient/${existing.id}/_history/2`, etag: 'W/"2"' });
    expect(history.resource).toMatchObject({ resourceType: 'Bundle', type: 'history' });
    expect(history.resource.entry).toHaveLength(2);
    expect(del.response.status).toBe('204 No Content');
  });

  it('honours request.ifMatch: a stale version fails the transaction with 412', async () => {
    const existing = await createPatient();
    const res = await postBundle(transaction([
      { resource: patient(), request: { method: 'POST', url: 'Patient' } },
      { resource: { ...existing, gender: 'female' }, request: { method: 'PUT', url: `Patient/${existing.id}`, ifMatch: 'W/"9"' } },
    ]));
    expect(res.status).toBe(412);
    expect(parse(res).issue[0].expression).toEqual(['Bundle.entry[1]']);
    expect(errorCodes(parse(res))).toContain('version-conflict');
    expect((await read(`Patient/${existing.id}`)).gender).toBe('male');
  });

  it('honours request.ifNoneMatch and ifModifiedSince on reads (304)', async () => {
    const existing = await createPatient();
    const res = await postBundle(transaction([
      { request: { method: 'GET', url: `Patient/${existing.id}`, ifNoneMatch: 'W/"1"' } },
      { request: { method: 'GET', url: `Patient/${existing.id}`, ifModifiedSince: new Date(Date.now() + 60_000).toUTCString() } },
    ]));
    expect(parse(res).entry.map((e: any) => e.response.status)).toEqual(['304 Not Modified', '304 Not Modified']);
  });

  it('applies PATCH entries carried as a Binary JSON Patch, and explains other patch formats', async () => {
    const existing = await createPatient();
    const patch = [{ op: 'replace', path: '/gender', value: 'other' }];
    const binary = { resourceType: 'Binary', contentType: 'application/json-patch+json', data: Buffer.from(JSON.stringify(patch)).toString('base64') };
    const res = await postBundle(transaction([{ resource: binary, request: { method: 'PATCH', url: `Patient/${existing.id}` } }]));
    expect(res.status).toBe(200);
    expect(parse(res).entry[0].response.etag).toBe('W/"2"');
    expect((await read(`Patient/${existing.id}`)).gender).toBe('other');
    const parameters = { resourceType: 'Parameters', parameter: [{ name: 'operation' }] };
    const refused = await postBundle(transaction([{ resource: parameters, request: { method: 'PATCH', url: `Patient/${existing.id}` } }]));
    expect(refused.status).toBe(400);
    expect(errorCodes(parse(refused))).toContain('patch-format-unsupported');
  });

  it('keeps nested Bundles as resources', async () => {
    const inner = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:0b1c', resource: patient() }] };
    const res = await postBundle(transaction([{ resource: inner, request: { method: 'POST', url: 'Bundle' } }]), 'return=representation');
    expect(res.status).toBe(200);
    expect(parse(res).entry[0].resource).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
  });

  it('refuses two writes to one resource', async () => {
    const existing = await createPatient();
    const res = await postBundle(transaction([
      { resource: existing, request: { method: 'PUT', url: `Patient/${existing.id}` } },
      { request: { method: 'DELETE', url: `Patient/${existing.id}` } },
    ]));
    expect(res.status).toBe(400);
    expect(errorCodes(parse(res))).toContain('bundle-duplicate-target');
  });

  describe('with conditional entries and references', () => {
    it('resolves a conditional reference to the one match', async () => {
      const mrn = `MRN-${randomUUID()}`;
      const existing = await createPatient({ identifier: [{ system: MRN, value: mrn }] });
      const res = await postBundle(transaction([
        { resource: observation(`Patient?identifier=${MRN}|${mrn}`), request: { method: 'POST', url: 'Observation' } },
      ]));
      expect(res.status).toBe(200);
      const stored = await read(parse(res).entry[0].response.location.split('/_history')[0]);
      expect(stored.subject.reference).toBe(`Patient/${existing.id}`);
    });

    it('fails with 412 when a conditional reference matches nothing or several, naming the entry', async () => {
      const mrn = `MRN-${randomUUID()}`;
      const none = await postBundle(transaction([
        { resource: patient(), request: { method: 'POST', url: 'Patient' } },
        { resource: observation(`Patient?identifier=${MRN}|${mrn}`), request: { method: 'POST', url: 'Observation' } },
      ]));
      expect(none.status).toBe(412);
      expect(parse(none).issue[0].expression).toEqual(['Bundle.entry[1]']);
      expect(errorCodes(parse(none))).toContain('conditional-reference-unresolved');
      await createPatient({ identifier: [{ system: MRN, value: mrn }] });
      await createPatient({ identifier: [{ system: MRN, value: mrn }] });
      const several = await postBundle(transaction([
        { resource: observation(`Patient?identifier=${MRN}|${mrn}`), request: { method: 'POST', url: 'Observation' } },
      ]));
      expect(several.status).toBe(412);
      expect(errorCodes(parse(several))).toContain('condition-multiple-matches');
    });

    it('points urn:uuid references at the existing resource when an ifNoneExist entry matches', async () => {
      const mrn = `MRN-${randomUUID()}`;
      const existing = await createPatient({ identifier: [{ system: MRN, value: mrn }] });
      const p = `urn:uuid:${randomUUID()}`;
      const res = await postBundle(transaction([
        { fullUrl: p, resource: patient({ identifier: [{ system: MRN, value: mrn }] }), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${MRN}|${mrn}` } },
        { resource: observation(p), request: { method: 'POST', url: 'Observation' } },
      ]));
      expect(res.status).toBe(200);
      const [pat, obs] = parse(res).entry;
      expect(pat.response).toMatchObject({ status: '200 OK', location: `Patient/${existing.id}/_history/1` });
      expect((await read(obs.response.location.split('/_history')[0])).subject.reference).toBe(`Patient/${existing.id}`);
    });

    it('runs conditional updates and deletes', async () => {
      const mrn = `MRN-${randomUUID()}`;
      const gone = `MRN-${randomUUID()}`;
      const doomed = await createPatient({ identifier: [{ system: MRN, value: gone }] });
      const res = await postBundle(transaction([
        { resource: patient({ identifier: [{ system: MRN, value: mrn }] }), request: { method: 'PUT', url: `Patient?identifier=${MRN}|${mrn}` } },
        { request: { method: 'DELETE', url: `Patient?identifier=${encodeURIComponent(`${MRN}|${gone}`)}` } },
      ]));
      expect(res.status).toBe(200);
      expect(parse(res).entry.map((e: any) => e.response.status)).toEqual(['201 Created', '204 No Content']);
      expect((await http(t).get(`/fhir/Patient/${doomed.id}`).set(AUTH)).status).toBe(410);
    });
  });
});

describe('batch', () => {
  it('runs each entry on its own: failures answer with their status and outcome, the others are stored', async () => {
    const before = await count('Patient');
    const res = await postBundle(batch([
      { resource: patient(), request: { method: 'POST', url: 'Patient' } },
      { resource: { ...patient(), gender: 'sometimes' }, request: { method: 'POST', url: 'Patient' } },
      { request: { method: 'GET', url: 'Patient/does-not-exist' } },
      { resource: patient(), request: { method: 'POST', url: 'NoSuchType' } },
      { request: { method: 'GET', url: 'http://elsewhere.example.org/fhir/Patient/1' } },
      { resource: patient(), request: { method: 'POST', url: 'Patient' } },
    ]));
    expect(res.status).toBe(200);
    const bundle = parse(res);
    expect(bundle.type).toBe('batch-response');
    expect(bundle.entry.map((e: any) => e.response.status)).toEqual(
      ['201 Created', '400 Bad Request', '404 Not Found', '404 Not Found', '400 Bad Request', '201 Created']);
    expect(bundle.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(bundle.entry[1].response.outcome.issue[0].expression).toEqual(['Bundle.entry[1]']);
    expect(errorCodes(bundle.entry[2].response.outcome)).toContain('resource-not-found');
    expect(errorCodes(bundle.entry[4].response.outcome)).toContain('bundle-entry-url-invalid');
    expect(await count('Patient')).toBe(before + 2);
  });
});

describe('what is not a batch or transaction', () => {
  it.each([
    ['a collection Bundle', { resourceType: 'Bundle', type: 'collection' }, 'bundle-type-invalid'],
    ['a Patient', patient(), 'bundle-required'],
    ['a JSON array', [], 'bundle-required'],
  ])('refuses %s (400)', async (_what, body, code) => {
    const res = await postBundle(body);
    expect(res.status).toBe(400);
    expect(errorCodes(parse(res))).toContain(code);
  });

  it('refuses more entries than FHIR_BUNDLE_MAX_ENTRIES (10000 by default)', async () => {
    const entry = Array.from({ length: 10_001 }, () => ({ request: { method: 'GET', url: 'Patient/x' } }));
    const res = await postBundle(batch(entry));
    expect(res.status).toBe(400);
    expect(errorCodes(parse(res))).toContain('bundle-too-many-entries');
  });

  it('needs a FHIR JSON body', async () => {
    const res = await http(t).post('/fhir').set(AUTH).set('content-type', 'application/json-patch+json').send('[]');
    expect(res.status).toBe(415);
  });

  it('lists batch and transaction in the CapabilityStatement', async () => {
    const cs = parse(await http(t).get('/fhir/metadata'));
    expect(cs.rest[0].interaction.map((i: any) => i.code)).toEqual(expect.arrayContaining(['batch', 'transaction']));
  });
});

describe('Synthea Bundles', () => {
  it('loads a transaction Bundle whose references are urn:uuid fullUrls', async () => {
    const file = path.join(URN_BUNDLES, 'Buster_Hoeger_ad2e3fc5-2b5d-4cb9-8d03-9ea0f4ac8423.json');
    const bundle = readJson(file);
    const observationsBefore = await count('Observation');
    const res = await postBundle(bundle);
    expect(res.status).toBe(200);
    const entries = parse(res).entry;
    expect(entries).toHaveLength(bundle.entry.length);
    expect(entries.every((e: any) => e.response.status === '201 Created')).toBe(true);
    expect(await count('Observation')).toBe(observationsBefore + bundle.entry.filter((e: any) => e.resource.resourceType === 'Observation').length);
    const patientAt = bundle.entry.findIndex((e: any) => e.resource.resourceType === 'Patient');
    const patientRef = entries[patientAt].response.location.split('/_history')[0];
    const firstObservation = entries[bundle.entry.findIndex((e: any) => e.resource.resourceType === 'Observation')];
    const obs = await read(firstObservation.response.location.split('/_history')[0]);
    expect(obs.subject.reference).toBe(patientRef);
    expect(obs.encounter.reference).toMatch(/^Encounter\/[0-9a-f-]{36}$/);
    await read(obs.encounter.reference);
  });

  it('loads the newer style: conditional creates in batches, then patient transactions with conditional references', async () => {
    const byType = ndjsonResources();
    const encounterIds = async () =>
      new Set<string>((parse(await http(t).get('/fhir/Encounter?_count=1000&_elements=id').set(AUTH)).entry ?? []).map((e: any) => e.resource.id));
    const earlier = await encounterIds();
    const support = ['Organization', 'Location', 'Practitioner'].map((type) => supportBatch(byType.get(type)!));
    for (const b of support) {
      const res = await postBundle(b);
      expect(res.status).toBe(200);
      expect(parse(res).entry.every((e: any) => e.response.status === '201 Created')).toBe(true);
    }
    // Again: every conditional create now finds its resource and creates nothing.
    const practitioners = await count('Practitioner');
    const again = parse(await postBundle(support[2]));
    expect(again.entry.every((e: any) => e.response.status === '200 OK')).toBe(true);
    expect(await count('Practitioner')).toBe(practitioners);

    for (const b of patientTransactions(byType)) {
      const res = await postBundle(b);
      expect(res.status).toBe(200);
      expect(parse(res).entry.every((e: any) => e.response.status === '201 Created')).toBe(true);
    }
    const encounter = byType.get('Encounter')![0];
    const npi = encounter.participant[0].individual.reference.split('|')[1];
    const practitioner = byType.get('Practitioner')!.find((p) => p.identifier[0].value === npi)!;
    const found = parse(await http(t).get(`/fhir/Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|${npi}`).set(AUTH));
    expect(found.entry).toHaveLength(1);
    expect(found.entry[0].resource.name).toEqual(practitioner.name);
    const encounters = parse(await http(t).get('/fhir/Encounter?_count=1000').set(AUTH)).entry
      .map((e: any) => e.resource).filter((e: any) => !earlier.has(e.id));
    expect(encounters).toHaveLength(byType.get('Encounter')!.length);
    expect(encounters.every((e: any) => /^Practitioner\/[0-9a-f-]{36}$/.test(e.participant[0].individual.reference))).toBe(true);
    expect(encounters.every((e: any) => /^Patient\/[0-9a-f-]{36}$/.test(e.subject.reference))).toBe(true);
    expect(encounters.some((e: any) => e.participant[0].individual.reference === `Practitioner/${found.entry[0].resource.id}`)).toBe(true);
  });
});
