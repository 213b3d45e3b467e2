// GET /metadata is generated from what is registered: the enabled types, their interactions, the settings.
import { ConformanceRegistry } from '../../src/conformance/conformance.registry';
import { fhirClient, http } from '../support/clients';
import { AUTH, startTestApp, TestApp } from '../support/test-app';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

describe('default profile', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('lists every enabled type with its interactions', async () => {
    const cs = await fhirClient(t).capabilityStatement() as any;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.kind).toBe('instance');
    expect(cs.format).toEqual(['application/fhir+json', 'application/json']);
    expect(cs.patchFormat).toEqual(['application/json-patch+json']);
    expect(cs.implementation.url).toBe(t.fhirBase);
    expect(cs.software.version).toBe(JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version);
    const registered = ConformanceRegistry.load(t.config.profilesDir);
    const listed = cs.rest[0].resource;
    expect(listed.map((r: any) => r.type)).toEqual(registered.resourceTypes);
    const patient = listed.find((r: any) => r.type === 'Patient');
    expect(patient.interaction.map((i: any) => i.code)).toEqual(
      ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type']);
    expect(patient).toMatchObject({ versioning: 'versioned-update', readHistory: true, updateCreate: false });
    const names = patient.searchParam.map((p: any) => p.name);
    expect(names).toEqual(expect.arrayContaining(['_id', '_lastUpdated', '_tag', '_profile', 'name', 'family', 'birthdate', 'identifier', 'gender', 'general-practitioner']));
    expect(names).not.toContain('_text');
    expect(patient.searchParam.find((p: any) => p.name === 'birthdate')).toMatchObject({
      type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/individual-birthdate',
    });
    expect(patient.searchInclude).toEqual(expect.arrayContaining(['*', 'Patient:general-practitioner', 'Patient:organization']));
    expect(patient.searchRevInclude).toEqual(expect.arrayContaining(['Observation:subject', 'Observation:patient', 'Encounter:patient']));
    const observation = listed.find((r: any) => r.type === 'Observation');
    expect(observation.searchParam.find((p: any) => p.name === 'code-value-quantity').type).toBe('composite');
  });

  it('is public, with FHIR JSON content type', async () => {
    const res = await http(t).get('/fhir/metadata');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  });
});

describe('a narrower profile and update-as-create', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'profiles-'));
    fs.writeFileSync(path.join(dir, 'server.json'), JSON.stringify({
      resourceTypes: { include: ['Patient', 'Observation', 'Basic'] },
      defaultInteractions: ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'],
      interactions: { Basic: ['read', 'create', 'search-type'] },
    }));
    t = await startTestApp({ FHIR_PROFILES_DIR: dir, FHIR_UPDATE_CREATE: 'true' });
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists only the enabled types and their own interactions', async () => {
    const cs = JSON.parse((await http(t).get('/fhir/metadata')).text);
    expect(cs.rest[0].resource.map((r: any) => r.type)).toEqual(['Basic', 'Observation', 'Patient']);
    expect(cs.rest[0].resource[0].interaction.map((i: any) => i.code)).toEqual(['read', 'create', 'search-type']);
    expect(cs.rest[0].resource[2].updateCreate).toBe(true);
  });

  it('404s a type that is not enabled and 405s an interaction that is not', async () => {
    const med = await http(t).get('/fhir/Medication/1').set(AUTH);
    expect(med.status).toBe(404);
    const del = await http(t).delete('/fhir/Basic/1').set(AUTH);
    expect(del.status).toBe(405);
    // At the instance address Basic allows only read.
    expect(del.headers.allow).toBe('GET, HEAD');
  });

  it('creates on update when update-as-create is on', async () => {
    const res = await http(t).put('/fhir/Patient/chosen-id').set(AUTH).set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', id: 'chosen-id' }));
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`${t.fhirBase}/Patient/chosen-id/_history/1`);
    const history = JSON.parse((await http(t).get('/fhir/Patient/chosen-id/_history').set(AUTH)).text);
    expect(history.entry[0].request).toEqual({ method: 'PUT', url: 'Patient/chosen-id' });
    expect(history.entry[0].response.status).toBe('201 Created');
  });

  it('lists in system history only the types whose history is served', async () => {
    for (const type of ['Observation', 'Basic']) {
      const body = type === 'Observation'
        ? { resourceType: type, status: 'final', code: { text: 'x' } }
        : { resourceType: type, code: { text: 'x' } };
      expect((await http(t).post(`/fhir/${type}`).set(AUTH).set('content-type', 'application/fhir+json').send(JSON.stringify(body))).status).toBe(201);
    }
    const history = JSON.parse((await http(t).get('/fhir/_history').set(AUTH)).text);
    const types = new Set(history.entry.map((e: any) => e.resource.resourceType));
    expect(types.has('Observation')).toBe(true);
    expect(types.has('Basic')).toBe(false);
  });
});

it('refuses to start with an unknown type or interaction in the profile', () => {
  expect(() => ConformanceRegistry.fromProfile({ resourceTypes: { include: ['Patient', 'Pateint'] } }))
    .toThrow(/"Pateint" is not an R4 resource type/);
  expect(() => ConformanceRegistry.fromProfile({ defaultInteractions: ['read', 'destroy'] })).toThrow(/unknown interaction "destroy"/);
});
