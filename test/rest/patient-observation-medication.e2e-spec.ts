// The deep path: Patient, Observation and MedicationRequest through every interaction, as a FHIR client sees them.

import { errorCodes, failure, fhirClient, FhirClient, http } from '../support/clients';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let client: FhirClient;

beforeAll(async () => {
  t = await startTestApp();
  client = fhirClient(t);
});
afterAll(() => t.close());

const patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'http://hospital.example.org/mrn', value: 'MRN-1001' }],
  active: true,
  name: [{ use: 'official', family: 'Chalmers', given: ['Peter', 'James'] }],
  gender: 'male',
  birthDate: '1974-12-25',
};

function observationFor(patientId: string) {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2024-03-01T10:30:00Z',
    valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

function medicationRequestFor(patientId: string) {
  return {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '314076', display: 'lisinopril 10 MG Oral Tablet' }],
    },
    subject: { reference: `Patient/${patientId}` },
    authoredOn: '2024-03-01',
    dosageInstruction: [{ text: 'One tablet daily' }],
  };
}

describe('create', () => {
  it('assigns id, versionId and lastUpdated, ignoring what the client sent', async () => {
    const res = await http(t).post('/fhir/Patient').set(AUTH).set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ ...patient, id: 'client-chosen', meta: { versionId: '99', lastUpdated: '2001-01-01T00:00:00Z' } }));
    expect(res.status).toBe(201);
    const body = JSON.parse(res.text);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.id).not.toBe('client-chosen');
    expect(body.meta.versionId).toBe('1');
    expect(Date.now() - Date.parse(body.meta.lastUpdated)).toBeLessThan(60_000);
    expect(res.headers.location).toBe(`${t.fhirBase}/Patient/${body.id}/_history/1`);
    expect(res.headers.etag).toBe('W/"1"');
    expect(new Date(res.headers['last-modified']).toUTCString()).toBe(new Date(body.meta.lastUpdated).toUTCString());
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  });

  it.each([
    ['minimal', (text: string) => expect(text).toBe('')],
    ['representation', (text: string) => expect(JSON.parse(text).resourceType).toBe('Observation')],
    ['OperationOutcome', (text: string) => expect(JSON.parse(text).resourceType).toBe('OperationOutcome')],
  ])('honours Prefer: return=%s', async (preference, check) => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    const res = await http(t).post('/fhir/Observation').set(AUTH).set('prefer', `return=${preference}`)
      .set('content-type', 'application/fhir+json').send(JSON.stringify(observationFor(created.id!)));
    expect(res.status).toBe(201);
    expect(res.headers.location).toMatch(new RegExp(`^${t.fhirBase}/Observation/[0-9a-f-]{36}/_history/1$`));
    check(res.text);
  });
});

describe('read and vread', () => {
  it('reads back what was created, with ETag and Last-Modified', async () => {
    const created = await client.create({ resourceType: 'MedicationRequest', body: medicationRequestFor('p1') });
    const read = await client.read({ resourceType: 'MedicationRequest', id: created.id! });
    expect(read).toEqual(created);
    const res = await http(t).get(`/fhir/MedicationRequest/${created.id}`).set(AUTH);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers['last-modified']).toBe(new Date((created.meta as { lastUpdated: string }).lastUpdated).toUTCString());
  });

  it('answers 304 to If-None-Match with the current version, 200 to an older one', async () => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    const same = await http(t).get(`/fhir/Patient/${created.id}`).set(AUTH).set('if-none-match', 'W/"1"');
    expect(same.status).toBe(304);
    expect(same.text).toBe('');
    await client.update({ resourceType: 'Patient', id: created.id!, body: { ...created, active: false } });
    const changed = await http(t).get(`/fhir/Patient/${created.id}`).set(AUTH).set('if-none-match', 'W/"1"');
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).toBe('W/"2"');
  });

  it('reads every version by vread and 404s an unknown version', async () => {
    const v1 = await client.create({ resourceType: 'Observation', body: observationFor('x') });
    await client.update({ resourceType: 'Observation', id: v1.id!, body: { ...v1, status: 'amended' } });
    const first = await client.vread({ resourceType: 'Observation', id: v1.id!, version: '1' });
    const second = await client.vread({ resourceType: 'Observation', id: v1.id!, version: '2' });
    expect(first.status).toBe('final');
    expect(second.status).toBe('amended');
    const missing = await failure(client.vread({ resourceType: 'Observation', id: v1.id!, version: '3' }));
    expect(missing.status).toBe(404);
    expect(missing.data.resourceType).toBe('OperationOutcome');
  });

  it('answers 404 with an OperationOutcome for an unknown id', async () => {
    const res = await failure(client.read({ resourceType: 'Patient', id: 'does-not-exist' }));
    expect(res.status).toBe(404);
    expect(errorCodes(res.data)).toEqual(['resource-not-found']);
  });
});

describe('update', () => {
  it('makes a new version and keeps the old one', async () => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    const updated = await client.update({ resourceType: 'Patient', id: created.id!, body: { ...created, gender: 'other' } });
    expect(updated.meta!.versionId).toBe('2');
    expect(updated.gender).toBe('other');
    expect((await client.vread({ resourceType: 'Patient', id: created.id!, version: '1' })).gender).toBe('male');
  });

  it('answers 412 to a stale If-Match and writes nothing', async () => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    await client.update({ resourceType: 'Patient', id: created.id!, body: { ...created, active: false } });
    const res = await http(t).put(`/fhir/Patient/${created.id}`).set(AUTH).set('if-match', 'W/"1"')
      .set('content-type', 'application/fhir+json').send(JSON.stringify({ ...created, gender: 'female' }));
    expect(res.status).toBe(412);
    expect(errorCodes(JSON.parse(res.text))).toEqual(['version-conflict']);
    const current = await client.read({ resourceType: 'Patient', id: created.id! });
    expect(current.meta!.versionId).toBe('2');
    expect(current.gender).toBe('male');
  });

  it('accepts the current If-Match', async () => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    const res = await http(t).put(`/fhir/Patient/${created.id}`).set(AUTH).set('if-match', 'W/"1"')
      .set('content-type', 'application/fhir+json').send(JSON.stringify({ ...created, gender: 'female' }));
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('answers 400 when the body id differs from the URL id or is missing', async () => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    const other = await failure(client.update({ resourceType: 'Patient', id: created.id!, body: { ...created, id: 'another' } }));
    expect(other.status).toBe(400);
    expect(errorCodes(other.data)).toEqual(['id-mismatch']);
    const { id: _omit, ...noId } = created;
    const missing = await failure(client.update({ resourceType: 'Patient', id: created.id!, body: noId }));
    expect(missing.status).toBe(400);
  });

  it('accepts If-Match: * for an existing resource and a list of ETags', async () => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    // Each update changes something: an update that changes nothing makes no new version.
    let change = 0;
    const put = (ifMatch: string) => http(t).put(`/fhir/Patient/${created.id}`).set(AUTH).set('if-match', ifMatch)
      .set('content-type', 'application/fhir+json').send(JSON.stringify({ ...created, gender: 'female', multipleBirthInteger: ++change }));
    expect((await put('*')).status).toBe(200);
    expect((await put('W/"9", W/"2"')).status).toBe(200);
    expect((await put('W/"1", W/"2"')).status).toBe(412);
    const absent = await http(t).put('/fhir/Patient/not-there').set(AUTH).set('if-match', '*')
      .set('content-type', 'application/fhir+json').send(JSON.stringify({ ...patient, id: 'not-there' }));
    expect(absent.status).toBe(412);
  });

  it('does not create a resource on update by default', async () => {
    const raw = await http(t).put('/fhir/Patient/new-by-put').set(AUTH).set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ ...patient, id: 'new-by-put' }));
    expect(raw.status).toBe(405);
    expect(raw.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
    const res = await failure(client.update({ resourceType: 'Patient', id: 'new-by-put', body: { ...patient, id: 'new-by-put' } }));
    expect(res.status).toBe(405);
    expect(errorCodes(res.data)).toEqual(['update-create-disabled']);
    expect((await failure(client.read({ resourceType: 'Patient', id: 'new-by-put' }))).status).toBe(404);
  });
});

describe('patch', () => {
  it('applies a JSON Patch, validates the result and makes a new version', async () => {
    const created = await client.create({ resourceType: 'Observation', body: observationFor('p2') });
    const patched = await client.patch({
      resourceType: 'Observation',
      id: created.id!,
      jsonPatch: [{ op: 'replace', path: '/status', value: 'amended' }, { op: 'add', path: '/valueQuantity/value', value: 80 }],
    });
    expect(patched.status).toBe('amended');
    expect((patched as any).valueQuantity.value).toBe(80);
    expect(patched.meta!.versionId).toBe('2');
  });

  it('refuses a patch whose result is invalid, and keeps the resource as it was', async () => {
    const created = await client.create({ resourceType: 'Observation', body: observationFor('p3') });
    const res = await failure(client.patch({
      resourceType: 'Observation', id: created.id!, jsonPatch: [{ op: 'replace', path: '/status', value: 'not-a-status' }],
    }));
    expect(res.status).toBe(400);
    expect(res.data.issue[0].expression[0]).toMatch(/^Observation\.status/);
    expect((await client.read({ resourceType: 'Observation', id: created.id! })).meta!.versionId).toBe('1');
  });

  it('honours If-Match and failed test operations', async () => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    const stale = await http(t).patch(`/fhir/Patient/${created.id}`).set(AUTH).set('if-match', 'W/"7"')
      .set('content-type', 'application/json-patch+json').send(JSON.stringify([{ op: 'replace', path: '/active', value: false }]));
    expect(stale.status).toBe(412);
    const failedTest = await http(t).patch(`/fhir/Patient/${created.id}`).set(AUTH)
      .set('content-type', 'application/json-patch+json').send(JSON.stringify([{ op: 'test', path: '/gender', value: 'female' }]));
    expect(failedTest.status).toBe(422);
    expect(errorCodes(JSON.parse(failedTest.text))).toEqual(['patch-test-failed']);
  });

  it('refuses a patch that changes the id and a body in another format', async () => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    const idChange = await http(t).patch(`/fhir/Patient/${created.id}`).set(AUTH)
      .set('content-type', 'application/json-patch+json').send(JSON.stringify([{ op: 'replace', path: '/id', value: 'other' }]));
    expect(idChange.status).toBe(422);
    const wrongType = await http(t).patch(`/fhir/Patient/${created.id}`).set(AUTH)
      .set('content-type', 'application/fhir+json').send(JSON.stringify([{ op: 'replace', path: '/active', value: false }]));
    expect(wrongType.status).toBe(415);
  });
});

describe('delete', () => {
  it('answers 204, then 410 on read; the deletion is a version in history', async () => {
    const created = await client.create({ resourceType: 'MedicationRequest', body: medicationRequestFor('p4') });
    const res = await http(t).delete(`/fhir/MedicationRequest/${created.id}`).set(AUTH);
    expect(res.status).toBe(204);
    expect(res.headers.etag).toBe('W/"2"');
    const gone = await failure(client.read({ resourceType: 'MedicationRequest', id: created.id! }));
    expect(gone.status).toBe(410);
    expect(errorCodes(gone.data)).toEqual(['resource-deleted']);
    const history = await client.history({ resourceType: 'MedicationRequest', id: created.id! }) as any;
    expect(history.entry.map((e: any) => e.request.method)).toEqual(['DELETE', 'POST']);
    expect(history.entry[0].resource).toBeUndefined();
    // The version before the deletion stays readable.
    expect((await client.vread({ resourceType: 'MedicationRequest', id: created.id!, version: '1' })).status).toBe('active');
  });

  it('is idempotent, also for an id that never existed, and writes no extra version', async () => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    expect((await http(t).delete(`/fhir/Patient/${created.id}`).set(AUTH)).status).toBe(204);
    expect((await http(t).delete(`/fhir/Patient/${created.id}`).set(AUTH)).status).toBe(204);
    const history = await client.history({ resourceType: 'Patient', id: created.id! }) as any;
    expect(history.total).toBe(2);
    const never = await http(t).delete('/fhir/Patient/never-was').set(AUTH);
    expect(never.status).toBe(204);
    expect(never.headers.etag).toBeUndefined();
    expect((await failure(client.read({ resourceType: 'Patient', id: 'never-was' }))).status).toBe(404);
  });

  it('honours If-Match on delete', async () => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    expect((await http(t).delete(`/fhir/Patient/${created.id}`).set(AUTH).set('if-match', 'W/"2"')).status).toBe(412);
    expect((await http(t).delete(`/fhir/Patient/${created.id}`).set(AUTH).set('if-match', 'W/"1"')).status).toBe(204);
  });

  it('lets an update bring a deleted resource back as a new version', async () => {
    const created = await client.create({ resourceType: 'Patient', body: patient });
    await client.delete({ resourceType: 'Patient', id: created.id! });
    const res = await http(t).put(`/fhir/Patient/${created.id}`).set(AUTH).set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ ...patient, id: created.id }));
    expect(res.status).toBe(201);
    expect(res.headers.etag).toBe('W/"3"');
  });
});

describe('search by _id', () => {
  it('finds resources by _id, pages with next links, and excludes deleted ones', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.create({ resourceType: 'MedicationRequest', body: medicationRequestFor('s') })).id!);
    await client.delete({ resourceType: 'MedicationRequest', id: ids[2] });
    const bundle = await client.search({ resourceType: 'MedicationRequest', searchParams: { _id: ids.join(','), _count: 1 } }) as any;
    expect(bundle.type).toBe('searchset');
    expect(bundle.total).toBe(2);
    expect(bundle.entry).toHaveLength(1);
    const next = await client.nextPage({ bundle }) as any;
    expect(next.entry).toHaveLength(1);
    expect([bundle.entry[0].resource.id, next.entry[0].resource.id].sort()).toEqual(ids.slice(0, 2).sort());
    expect(next.link.find((l: any) => l.relation === 'next')).toBeUndefined();
  });
});
