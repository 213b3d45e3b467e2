// Conditional create (If-None-Exist), conditional update (PUT [type]?criteria) and conditional delete
// (DELETE [type]?criteria) as a client sees them, including concurrent identical requests, and updates that
// change nothing. https://hl7.org/fhir/R4/http.html#ccreate
import { randomUUID } from 'node:crypto';
import { errorCodes, http } from '../support/clients';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

const MRN = 'http://hospital.example.org/mrn';
const FHIR_JSON = { ...AUTH, 'content-type': 'application/fhir+json' };

function patient(mrn: string, family = 'Chalmers', extra: Record<string, unknown> = {}) {
  return { resourceType: 'Patient', identifier: [{ system: MRN, value: mrn }], name: [{ family, given: ['Peter'] }], gender: 'male', ...extra };
}

const uniqueMrn = () => `MRN-${randomUUID()}`;
const body = (res: { text: string }) => JSON.parse(res.text);

async function matching(t: TestApp, mrn: string): Promise<any[]> {
  const res = await http(t).get(`/fhir/Patient?identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`).set(AUTH);
  expect(res.status).toBe(200);
  return (body(res).entry ?? []).filter((e: any) => e.search?.mode === 'match').map((e: any) => e.resource);
}

async function versions(t: TestApp, id: string): Promise<number> {
  const res = await http(t).get(`/fhir/Patient/${id}/_history`).set(AUTH);
  expect(res.status).toBe(200);
  return body(res).entry.length;
}

function post(t: TestApp, resource: unknown, ifNoneExist?: string) {
  const req = http(t).post('/fhir/Patient').set(FHIR_JSON).set('prefer', 'return=representation');
  if (ifNoneExist !== undefined) req.set('if-none-exist', ifNoneExist);
  return req.send(JSON.stringify(resource));
}

describe('with the default settings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('conditional create', () => {
    it('creates when nothing matches (201), and answers 200 with the existing resource afterwards, making no new version', async () => {
      const mrn = uniqueMrn();
      const criteria = `identifier=${MRN}|${mrn}`;
      const first = await post(t, patient(mrn), criteria);
      expect(first.status).toBe(201);
      const created = body(first);
      expect(first.headers.location).toBe(`${t.fhirBase}/Patient/${created.id}/_history/1`);

      const second = await post(t, patient(mrn, 'Someone Else'), criteria);
      expect(second.status).toBe(200);
      expect(body(second).id).toBe(created.id);
      expect(body(second).name[0].family).toBe('Chalmers');
      expect(second.headers.etag).toBe('W/"1"');
      expect(second.headers.location).toBe(`${t.fhirBase}/Patient/${created.id}/_history/1`);
      expect(await versions(t, created.id)).toBe(1);
      expect(await matching(t, mrn)).toHaveLength(1);
    });

    it('accepts criteria given with a leading ? and in any order', async () => {
      const mrn = uniqueMrn();
      const first = await post(t, patient(mrn), `identifier=${MRN}|${mrn}&gender=male`);
      expect(first.status).toBe(201);
      const second = await post(t, patient(mrn), `?gender=male&identifier=${MRN}|${mrn}`);
      expect(second.status).toBe(200);
      expect(body(second).id).toBe(body(first).id);
    });

    it('answers 412 when the criteria match more than one resource, and creates nothing', async () => {
      const mrn = uniqueMrn();
      expect((await post(t, patient(mrn))).status).toBe(201);
      expect((await post(t, patient(mrn))).status).toBe(201);
      const res = await post(t, patient(mrn), `identifier=${MRN}|${mrn}`);
      expect(res.status).toBe(412);
      expect(body(res).resourceType).toBe('OperationOutcome');
      expect(errorCodes(body(res))).toContain('condition-multiple-matches');
      expect(await matching(t, mrn)).toHaveLength(2);
    });

    it('refuses empty criteria (400) rather than matching everything', async () => {
      for (const criteria of ['', '?', '_format=json']) {
        const res = await post(t, patient(uniqueMrn()), criteria);
        expect(res.status).toBe(400);
        expect(errorCodes(body(res))).toContain('condition-empty');
      }
    });

    it('refuses criteria naming an unknown search parameter (400)', async () => {
      const res = await post(t, patient(uniqueMrn()), 'no-such-parameter=1');
      expect(res.status).toBe(400);
      expect(body(res).resourceType).toBe('OperationOutcome');
    });

    it('still validates the resource', async () => {
      const res = await post(t, { ...patient(uniqueMrn()), gender: 'sometimes' }, `identifier=${MRN}|${uniqueMrn()}`);
      expect(res.status).toBe(400);
    });

    it('creates exactly one resource when 20 identical conditional creates race', async () => {
      const mrn = uniqueMrn();
      const answers = await Promise.all(Array.from({ length: 20 }, () => post(t, patient(mrn), `identifier=${MRN}|${mrn}`)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(19);
      expect(new Set(answers.map((a) => body(a).id)).size).toBe(1);
      const found = await matching(t, mrn);
      expect(found).toHaveLength(1);
      expect(found[0].id).toBe(body(answers[0]).id);
      expect(await versions(t, found[0].id)).toBe(1);
    });
  });

  describe('conditional update', () => {
    const put = (criteria: string, resource: unknown) =>
      http(t).put(`/fhir/Patient?${criteria}`).set(FHIR_JSON).set('prefer', 'return=representation').send(JSON.stringify(resource));

    it('creates with a new id when nothing matches and the body has no id (201)', async () => {
      const mrn = uniqueMrn();
      const res = await put(`identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`, patient(mrn));
      expect(res.status).toBe(201);
      expect(body(res).id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.location).toBe(`${t.fhirBase}/Patient/${body(res).id}/_history/1`);
      expect(await matching(t, mrn)).toHaveLength(1);
    });

    it('updates the one match (200, next version), with or without the id in the body', async () => {
      const mrn = uniqueMrn();
      const created = body(await post(t, patient(mrn)));
      const criteria = `identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`;
      const withoutId = await put(criteria, patient(mrn, 'Changed'));
      expect(withoutId.status).toBe(200);
      expect(body(withoutId)).toMatchObject({ id: created.id, meta: { versionId: '2' }, name: [{ family: 'Changed' }] });
      const withId = await put(criteria, { ...patient(mrn, 'Changed Again'), id: created.id });
      expect(withId.status).toBe(200);
      expect(body(withId).meta.versionId).toBe('3');
      expect(withId.headers.etag).toBe('W/"3"');
    });

    it('refuses a body id other than the match (400)', async () => {
      const mrn = uniqueMrn();
      const created = body(await post(t, patient(mrn)));
      const res = await put(`identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`, { ...patient(mrn), id: 'some-other-id' });
      expect(res.status).toBe(400);
      expect(errorCodes(body(res))).toContain('id-mismatch');
      expect(await versions(t, created.id)).toBe(1);
    });

    it('answers 412 when several match, changing none', async () => {
      const mrn = uniqueMrn();
      const a = body(await post(t, patient(mrn)));
      await post(t, patient(mrn));
      const res = await put(`identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`, patient(mrn, 'Changed'));
      expect(res.status).toBe(412);
      expect(errorCodes(body(res))).toContain('condition-multiple-matches');
      expect(await versions(t, a.id)).toBe(1);
    });

    it('honours If-Match on the matched resource', async () => {
      const mrn = uniqueMrn();
      await post(t, patient(mrn));
      const res = await http(t).put(`/fhir/Patient?identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`).set(FHIR_JSON)
        .set('if-match', 'W/"7"').send(JSON.stringify(patient(mrn, 'Changed')));
      expect(res.status).toBe(412);
      expect(errorCodes(body(res))).toContain('version-conflict');
    });

    it('with a body id and no match, is update-as-create, which this server refuses by default (405)', async () => {
      const mrn = uniqueMrn();
      const res = await put(`identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`, { ...patient(mrn), id: `p-${mrn.slice(4, 20)}` });
      expect(res.status).toBe(405);
      expect(errorCodes(body(res))).toContain('update-create-disabled');
      expect(await matching(t, mrn)).toHaveLength(0);
    });

    it('refuses a conditional update without criteria (400)', async () => {
      const res = await http(t).put('/fhir/Patient').set(FHIR_JSON).send(JSON.stringify(patient(uniqueMrn())));
      expect(res.status).toBe(400);
      expect(errorCodes(body(res))).toContain('condition-empty');
    });

    it('creates exactly one resource when 20 identical conditional updates race', async () => {
      const mrn = uniqueMrn();
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        put(`identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`, patient(mrn, `Family ${i}`))));
      expect(answers.map((a) => a.status).filter((s) => s === 201)).toHaveLength(1);
      expect(answers.every((a) => a.status === 200 || a.status === 201)).toBe(true);
      const found = await matching(t, mrn);
      expect(found).toHaveLength(1);
      expect(new Set(answers.map((a) => body(a).id))).toEqual(new Set([found[0].id]));
    });
  });

  describe('an update that changes nothing', () => {
    it('makes no new version and answers 200 with the current one, even when only meta.versionId/lastUpdated differ', async () => {
      const created = body(await post(t, patient(uniqueMrn())));
      const again = { ...created, meta: { versionId: '41', lastUpdated: '2001-01-01T00:00:00Z' } };
      const res = await http(t).put(`/fhir/Patient/${created.id}`).set(FHIR_JSON).set('prefer', 'return=representation')
        .send(JSON.stringify(again));
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('W/"1"');
      expect(body(res).meta).toEqual(created.meta);
      expect(await versions(t, created.id)).toBe(1);
    });

    it('counts member order as no change, and any real change (including meta.tag) as one', async () => {
      const created = body(await post(t, patient(uniqueMrn())));
      const { gender, name, ...rest } = created;
      const reordered = await http(t).put(`/fhir/Patient/${created.id}`).set(FHIR_JSON).send(JSON.stringify({ ...rest, gender, name }));
      expect(reordered.status).toBe(200);
      expect(reordered.headers.etag).toBe('W/"1"');
      const tagged = await http(t).put(`/fhir/Patient/${created.id}`).set(FHIR_JSON)
        .send(JSON.stringify({ ...created, meta: { tag: [{ system: 'http://example.org/tags', code: 'x' }] } }));
      expect(tagged.status).toBe(200);
      expect(tagged.headers.etag).toBe('W/"2"');
      expect(await versions(t, created.id)).toBe(2);
    });

    it('brings back a deleted resource even with the same content', async () => {
      const created = body(await post(t, patient(uniqueMrn())));
      expect((await http(t).delete(`/fhir/Patient/${created.id}`).set(AUTH)).status).toBe(204);
      const res = await http(t).put(`/fhir/Patient/${created.id}`).set(FHIR_JSON).send(JSON.stringify(created));
      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('W/"3"');
    });
  });

  describe('conditional delete', () => {
    const del = (criteria: string) => http(t).delete(`/fhir/Patient?${criteria}`).set(AUTH);

    it('answers 204 and writes nothing when nothing matches', async () => {
      const res = await del(`identifier=${encodeURIComponent(`${MRN}|${uniqueMrn()}`)}`);
      expect(res.status).toBe(204);
    });

    it('deletes the one match', async () => {
      const mrn = uniqueMrn();
      const created = body(await post(t, patient(mrn)));
      const res = await del(`identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`);
      expect(res.status).toBe(204);
      expect((await http(t).get(`/fhir/Patient/${created.id}`).set(AUTH)).status).toBe(410);
      expect(await matching(t, mrn)).toHaveLength(0);
    });

    it('answers 412 for several matches, deleting none, unless configured otherwise', async () => {
      const mrn = uniqueMrn();
      await post(t, patient(mrn));
      await post(t, patient(mrn));
      const res = await del(`identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`);
      expect(res.status).toBe(412);
      expect(errorCodes(body(res))).toContain('condition-multiple-matches');
      expect(await matching(t, mrn)).toHaveLength(2);
    });

    it('refuses a conditional delete without criteria (400) and deletes nothing', async () => {
      const created = body(await post(t, patient(uniqueMrn())));
      const res = await http(t).delete('/fhir/Patient').set(AUTH);
      expect(res.status).toBe(400);
      expect(errorCodes(body(res))).toContain('condition-empty');
      expect((await http(t).get(`/fhir/Patient/${created.id}`).set(AUTH)).status).toBe(200);
    });
  });

  it('says so in the CapabilityStatement', async () => {
    const cs = body(await http(t).get('/fhir/metadata'));
    const p = cs.rest[0].resource.find((r: any) => r.type === 'Patient');
    expect(p).toMatchObject({ conditionalCreate: true, conditionalUpdate: true, conditionalDelete: 'single' });
  });
});

describe('with FHIR_CONDITIONAL_DELETE_MULTIPLE=true', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ FHIR_CONDITIONAL_DELETE_MULTIPLE: 'true' });
  });
  afterAll(() => t.close());

  it('deletes every match', async () => {
    const mrn = uniqueMrn();
    const a = body(await post(t, patient(mrn)));
    const b = body(await post(t, patient(mrn)));
    const res = await http(t).delete(`/fhir/Patient?identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`).set(AUTH);
    expect(res.status).toBe(204);
    expect((await http(t).get(`/fhir/Patient/${a.id}`).set(AUTH)).status).toBe(410);
    expect((await http(t).get(`/fhir/Patient/${b.id}`).set(AUTH)).status).toBe(410);
    const cs = body(await http(t).get('/fhir/metadata'));
    expect(cs.rest[0].resource.find((r: any) => r.type === 'Patient').conditionalDelete).toBe('multiple');
  });
});
