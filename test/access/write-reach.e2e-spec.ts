// What a patient- or practitioner-scoped write may touch: every patient in the written resource's compartment
// must be the caller's (reading needs only one), so a write can neither reach into another patient's record
// (a performer, a link) nor take a resource out of the caller's; practitioners likewise within their patients.
import request from 'supertest';
import { FhirPrincipal } from '../../src/auth/fhir-principal';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

const principals: Record<string, FhirPrincipal> = {
  'amy-token': { subject: 'u-amy', clientId: 'app', role: 'patient', fhirUser: 'Patient/amy', patient: 'amy', scopes: ['patient/*.cruds'] },
  'doctor-token': { subject: 'u-doc', clientId: 'app', role: 'practitioner', fhirUser: 'Practitioner/doc', scopes: ['user/*.cruds'] },
  // launched by the practitioner on a patient of the clinic, and on one outside it
  'doctor-on-amy': { subject: 'u-doc', clientId: 'app', role: 'practitioner', fhirUser: 'Practitioner/doc', patient: 'amy', scopes: ['patient/*.rs'] },
  'doctor-on-bob': { subject: 'u-doc', clientId: 'app', role: 'practitioner', fhirUser: 'Practitioner/doc', patient: 'bob', scopes: ['patient/*.rs'] },
  // a patient account relinked to another record since its token's launch
  'relinked-token': { subject: 'u-amy', clientId: 'app', role: 'patient', fhirUser: 'Patient/bob', patient: 'amy', scopes: ['patient/*.rs'] },
  // a restriction that would reach other patients' data through _has
  'has-restricted': { subject: 'u-amy', clientId: 'app', role: 'patient', fhirUser: 'Patient/amy', patient: 'amy',
    scopes: ['patient/Medication.rs?_has:MedicationRequest:medication:patient=Patient/bob'] },
};

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ FHIR_UPDATE_CREATE: 'true' }, { principals });
  const put = async (resource: { resourceType: string; id: string }) => {
    const res = await request(t.origin).put(`/fhir/${resource.resourceType}/${resource.id}`).set(AUTH).set('content-type', 'application/fhir+json').send(resource);
    expect([res.status, res.text]).toEqual([201, expect.any(String)]);
  };
  await put({ resourceType: 'Organization', id: 'clinic', name: 'Clinic' } as never);
  await put({ resourceType: 'Practitioner', id: 'doc' });
  await put({ resourceType: 'PractitionerRole', id: 'doc-at-clinic', practitioner: { reference: 'Practitioner/doc' }, organization: { reference: 'Organization/clinic' } } as never);
  await put({ resourceType: 'Patient', id: 'amy', managingOrganization: { reference: 'Organization/clinic' } } as never);
  await put({ resourceType: 'Patient', id: 'bob' });
}, 60_000);
afterAll(() => t.close());

const observation = (subject: string, performer?: string) => ({
  resourceType: 'Observation', status: 'final', code: { text: 'pulse' }, subject: { reference: `Patient/${subject}` },
  ...(performer ? { performer: [{ reference: `Patient/${performer}` }] } : {}),
});

function write(token: string, method: 'post' | 'put', path: string, body: object) {
  return request(t.origin)[method](`/fhir/${path}`).set('authorization', `Bearer ${token}`).set('content-type', 'application/fhir+json').send(body);
}

async function count(query: string): Promise<number> {
  return (await request(t.origin).get(`/fhir/${query}&_summary=count`).set(AUTH)).body.total;
}

describe.each([['a patient', 'amy-token'], ['a practitioner', 'doctor-token']])('%s', (_who, token) => {
  it('creates a resource of its own patient', async () => {
    expect((await write(token, 'post', 'Observation', observation('amy'))).status).toBe(201);
  });

  it('cannot create one that also names another patient (performer), and nothing is written', async () => {
    const before = await count('Observation?performer=Patient/bob');
    const res = await write(token, 'post', 'Observation', observation('amy', 'bob'));
    expect(res.status).toBe(403);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await count('Observation?performer=Patient/bob')).toBe(before);
  });

  it('cannot move its own resource to another patient, and the stored version stays', async () => {
    const created = await write(token, 'post', 'Observation', observation('amy'));
    const id = created.headers.location.split('/')[5];
    const moved = await write(token, 'put', `Observation/${id}`, { ...observation('bob'), id });
    expect(moved.status).toBe(403);
    const stored = await request(t.origin).get(`/fhir/Observation/${id}`).set(AUTH);
    expect(stored.body.subject.reference).toBe('Patient/amy');
    expect(stored.body.meta.versionId).toBe('1');
  });
});

describe('reach decided again at every request', () => {
  const get = (token: string, path: string) => request(t.origin).get(`/fhir/${path}`).set('authorization', `Bearer ${token}`);

  it('gives a practitioner\'s launch patient only while the practitioner may see that patient', async () => {
    expect((await get('doctor-on-amy', 'Patient/amy')).status).toBe(200);
    expect((await get('doctor-on-bob', 'Patient/bob')).status).toBe(404);
    expect((await get('doctor-on-bob', 'Observation?subject=Patient/bob')).body.total).toBe(0);
  });

  it('gives a patient account nothing of a launch patient it is no longer linked to', async () => {
    const res = await get('relinked-token', 'Patient/amy');
    expect(res.status).toBe(403);
    expect(res.body.issue[0].details.coding[0].code).toBe('scope-missing');
  });

  it('grants nothing through a scope restriction with _has or a chain (they would reach rows unfiltered)', async () => {
    const res = await get('has-restricted', 'Medication');
    expect(res.status).toBe(403);
  });

  it('keeps patient and practitioner apps out of types outside the compartment that are not shared', async () => {
    for (const type of ['Binary', 'Bundle', 'GuidanceResponse', 'Device', 'Contract']) {
      expect([type, (await get('amy-token', type)).status]).toEqual([type, 403]);
      expect([type, (await get('doctor-token', type)).status]).toEqual([type, 403]);
    }
    expect((await get('amy-token', 'Organization')).status).toBe(200);
    // a practitioner reads the directory but cannot write it (a PractitionerRole would widen its own reach)
    const role = await write('doctor-token', 'post', 'PractitionerRole', { resourceType: 'PractitionerRole', practitioner: { reference: 'Practitioner/doc' }, organization: { reference: 'Organization/clinic' } });
    expect(role.status).toBe(403);
  });
});
