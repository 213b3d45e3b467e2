// Table-driven over every enabled resource type: the full interaction set works for each, from data alone.
import { ConformanceRegistry } from '../../src/conformance/conformance.registry';
import { errorCodes, http } from '../support/clients';
import { minimalResource } from '../support/minimal-resource';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const types = ConformanceRegistry.load(`${__dirname}/../../fhir-profiles`).resourceTypes;
const json = (body: unknown) => JSON.stringify(body);

it('serves every R4 resource type by default', () => {
  expect(types).toHaveLength(146);
  expect(types).toEqual(expect.arrayContaining(['Patient', 'Observation', 'MedicationRequest', 'Bundle', 'Binary', 'Parameters']));
});

// AuditEvent is the audit trail's, read and searched only (test/audit).
describe.each(types.filter((type) => type !== 'AuditEvent'))('%s', (type) => {
  it('create, read, update, vread, patch, history, search and delete', async () => {
    const created = await http(t).post(`/fhir/${type}`).set(AUTH).set('content-type', 'application/fhir+json').send(json(minimalResource(type)));
    expect({ status: created.status, issues: created.status === 201 ? [] : JSON.parse(created.text).issue }).toEqual({ status: 201, issues: [] });
    const resource = JSON.parse(created.text);
    const path = `/fhir/${type}/${resource.id}`;

    const read = await http(t).get(path).set(AUTH);
    expect(read.status).toBe(200);
    expect(JSON.parse(read.text)).toEqual(resource);

    const updated = await http(t).put(path).set(AUTH).set('if-match', 'W/"1"').set('content-type', 'application/fhir+json')
      .send(json({ ...resource, meta: { ...resource.meta, tag: [{ system: 'http://example.org/tags', code: 'updated' }] } }));
    expect(updated.status).toBe(200);
    expect(JSON.parse(updated.text).meta.versionId).toBe('2');

    const patched = await http(t).patch(path).set(AUTH).set('content-type', 'application/json-patch+json')
      .send(json([{ op: 'add', path: '/meta/tag/-', value: { system: 'http://example.org/tags', code: 'patched' } }]));
    expect(patched.status).toBe(200);
    expect(JSON.parse(patched.text).meta.tag.map((c: { code: string }) => c.code)).toEqual(['updated', 'patched']);

    const v1 = await http(t).get(`${path}/_history/1`).set(AUTH);
    expect(JSON.parse(v1.text)).toEqual(resource);

    const history = JSON.parse((await http(t).get(`${path}/_history`).set(AUTH)).text);
    expect(history.entry.map((e: { request: { method: string } }) => e.request.method)).toEqual(['PATCH', 'PUT', 'POST']);

    const typeHistory = JSON.parse((await http(t).get(`/fhir/${type}/_history`).set(AUTH)).text);
    expect(typeHistory.entry[0].resource.id).toBe(resource.id);

    const search = JSON.parse((await http(t).get(`/fhir/${type}`).query({ _id: resource.id }).set(AUTH)).text);
    expect(search.total).toBe(1);
    expect(search.entry[0].resource.meta.versionId).toBe('3');

    expect((await http(t).delete(path).set(AUTH)).status).toBe(204);
    const gone = await http(t).get(path).set(AUTH);
    expect(gone.status).toBe(410);
    expect(errorCodes(JSON.parse(gone.text))).toEqual(['resource-deleted']);
  });

  it('refuses a body of another type', async () => {
    const other = type === 'Patient' ? 'Observation' : 'Patient';
    const res = await http(t).post(`/fhir/${type}`).set(AUTH).set('content-type', 'application/fhir+json').send(json({ resourceType: other }));
    expect(res.status).toBe(400);
  });
});
