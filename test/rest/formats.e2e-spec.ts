// Content negotiation: JSON in both media types, _format, _pretty; XML refused with an OperationOutcome.
import { errorCodes, http } from '../support/clients';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let id: string;
beforeAll(async () => {
  t = await startTestApp();
  const res = await http(t).post('/fhir/Patient').set(AUTH).set('content-type', 'application/json')
    .send(JSON.stringify({ resourceType: 'Patient', gender: 'female' }));
  id = JSON.parse(res.text).id;
});
afterAll(() => t.close());

it.each([
  [undefined, 'application/fhir+json'],
  ['application/fhir+json', 'application/fhir+json'],
  ['application/json', 'application/json'],
  ['application/json+fhir', 'application/fhir+json'],
  ['*/*', 'application/fhir+json'],
  ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'application/fhir+json'],
])('Accept %s answers %s', async (accept, contentType) => {
  const req = http(t).get(`/fhir/Patient/${id}`).set(AUTH);
  const res = await (accept ? req.set('accept', accept) : req);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe(`${contentType}; charset=utf-8`);
  expect(JSON.parse(res.text).id).toBe(id);
});

it.each(['json', 'application/json', 'application/fhir+json'])('_format=%s answers JSON', async (format) => {
  const res = await http(t).get(`/fhir/Patient/${id}`).query({ _format: format }).set(AUTH).set('accept', 'application/fhir+xml');
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text).gender).toBe('female');
});

it.each([
  ['accept', 'application/fhir+xml'],
  ['accept', 'application/xml'],
  ['_format', 'xml'],
  ['_format', 'application/fhir+xml'],
])('%s %s answers 406 saying XML is not supported yet', async (how, value) => {
  const req = http(t).get(`/fhir/Patient/${id}`).set(AUTH);
  const res = await (how === 'accept' ? req.set('accept', value) : req.query({ _format: value }));
  expect(res.status).toBe(406);
  const body = JSON.parse(res.text);
  expect(body.resourceType).toBe('OperationOutcome');
  expect(errorCodes(body)).toEqual(['xml-not-supported']);
});

it('an Accept of a non-JSON, non-XML type is a 406', async () => {
  const res = await http(t).get(`/fhir/Patient/${id}`).set(AUTH).set('accept', 'text/csv');
  expect(res.status).toBe(406);
  expect(errorCodes(JSON.parse(res.text))).toEqual(['format-not-acceptable']);
});

it('understands _format=application/fhir+json with an unencoded "+"', async () => {
  const res = await http(t).get(`/fhir/Patient/${id}?_format=application/fhir+json`).set(AUTH);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  expect((await http(t).get('/fhir/metadata?_format=application/fhir+json')).status).toBe(200);
});

it('_pretty=true indents; the default is compact', async () => {
  const pretty = await http(t).get(`/fhir/Patient/${id}`).query({ _pretty: 'true' }).set(AUTH);
  expect(pretty.text).toContain('\n  "resourceType": "Patient"');
  const compact = await http(t).get(`/fhir/Patient/${id}`).set(AUTH);
  expect(compact.text).not.toContain('\n');
  expect(JSON.parse(pretty.text)).toEqual(JSON.parse(compact.text));
});

it('accepts application/json and application/fhir+json bodies with a charset', async () => {
  const res = await http(t).post('/fhir/Patient').set(AUTH).set('content-type', 'application/fhir+json; charset=utf-8')
    .send(JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Müller' }] }));
  expect(res.status).toBe(201);
  expect(JSON.parse(res.text).name[0].family).toBe('Müller');
});
