// Every non-2xx answer is an OperationOutcome with the right status, and nothing internal leaks.
import { Client as PgClient } from 'pg';
import { errorCodes, http } from '../support/clients';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ FHIR_BODY_LIMIT_BYTES: String(64 * 1024), FHIR_JSON_MAX_DEPTH: '20' });
});
afterAll(() => t.close());

function expectOutcome(res: { status: number; text: string; headers: Record<string, string> }, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  const body = JSON.parse(res.text);
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue.length).toBeGreaterThan(0);
  if (code) expect(errorCodes(body)).toContain(code);
  expect(res.headers['x-powered-by']).toBeUndefined();
  // No stack trace, SQL, file path or framework name in any error.
  expect(res.text).not.toMatch(/\bat \S+ \(|\.ts:\d|\/work\/|node_modules|SELECT |INSERT |syntax error|relation "|postgres|FST_/i);
  expect(res.text).not.toMatch(/\b(Nest|NestJS|Fastify|TypeORM|Express|Koa)\b/);
  return body;
}

const post = (path: string, body: string, type = 'application/fhir+json') =>
  http(t).post(path).set(AUTH).set('content-type', type).send(body);

it('malformed JSON is a 400', async () => {
  expectOutcome(await post('/fhir/Patient', '{"resourceType": "Patient",'), 400, 'malformed-json');
});

it('a resourceType that does not match the URL is a 400 naming resourceType', async () => {
  const body = expectOutcome(await post('/fhir/Patient', JSON.stringify({ resourceType: 'Observation' })), 400, 'resource-type-mismatch');
  expect(body.issue[0].expression).toEqual(['resourceType']);
});

it('a body that is not a JSON object is a 400', async () => {
  expectOutcome(await post('/fhir/Patient', '[1,2]'), 400, 'body-not-resource');
  expectOutcome(await post('/fhir/Patient', ''), 400, 'body-required');
});

it.each(['Unknown', 'patient', 'Resource', 'DomainResource', 'SubscriptionStatus'])('an unknown type (%s) is a 404', async (type) => {
  expectOutcome(await http(t).get(`/fhir/${type}/1`).set(AUTH), 404, 'unknown-resource-type');
  expectOutcome(await post(`/fhir/${type}`, JSON.stringify({ resourceType: type })), 404, 'unknown-resource-type');
});

it.each([
  ['PATCH', '/fhir/Patient', 'GET, HEAD, POST, PUT, DELETE'],
  ['GET', '/fhir', 'POST'],
  ['POST', '/fhir/Patient/123', 'GET, HEAD, PUT, PATCH, DELETE'],
  ['POST', '/fhir/metadata', 'GET, HEAD'],
  ['DELETE', '/fhir/Patient/123/_history/1', 'GET, HEAD'],
])('an unsupported method (%s %s) is a 405 with Allow', async (method, path, allow) => {
  const res = await http(t)[method.toLowerCase() as 'put'](path).set(AUTH).set('content-type', 'application/fhir+json').send('{}');
  expectOutcome(res, 405, 'method-not-allowed');
  expect(res.headers.allow).toBe(allow);
});

it('a body over the configured limit is a 413', async () => {
  const big = JSON.stringify({ resourceType: 'Patient', text: { status: 'generated', div: 'x'.repeat(70 * 1024) } });
  expectOutcome(await post('/fhir/Patient', big), 413, 'body-too-large');
});

it('an unsupported media type is a 415; XML says it is not supported yet', async () => {
  expectOutcome(await post('/fhir/Patient', 'hello', 'text/plain'), 415, 'unsupported-media-type');
  const xml = expectOutcome(await post('/fhir/Patient', '<Patient xmlns="http://hl7.org/fhir"/>', 'application/fhir+xml'), 415, 'xml-not-supported');
  expect(xml.issue[0].details.text).toMatch(/XML is not supported yet/);
});

it('JSON nested beyond the limit is a 400', async () => {
  const deep = `{"resourceType":"Patient","extension":${'['.repeat(30)}${']'.repeat(30)}}`;
  expectOutcome(await post('/fhir/Patient', deep), 400, 'json-too-deep');
});

it('an unknown route is a 404 OperationOutcome', async () => {
  expectOutcome(await http(t).get('/nothing/here').set(AUTH), 404, 'not-found');
  expectOutcome(await http(t).get('/fhir/Patient/1/2/3/4/5').set(AUTH), 404, 'not-found');
});

it('a malformed If-Match, _count or _since is a 400 naming the problem', async () => {
  expectOutcome(await http(t).put('/fhir/Patient/abc').set(AUTH).set('if-match', 'nonsense')
    .set('content-type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Patient', id: 'abc' })), 400, 'invalid-if-match');
  expectOutcome(await http(t).get('/fhir/Patient/_history?_count=-1').set(AUTH), 400, 'invalid-count');
  expectOutcome(await http(t).get('/fhir/Patient/_history?_since=yesterday').set(AUTH), 400, 'invalid-date-parameter');
  expectOutcome(await http(t).get('/fhir/Patient/_history?_cursor=bm9wZQ').set(AUTH), 400, 'invalid-cursor');
});

it('an invalid id in the URL is a 400', async () => {
  expectOutcome(await http(t).get(`/fhir/Patient/${'a'.repeat(65)}`).set(AUTH), 400, 'invalid-id');
  expectOutcome(await http(t).get('/fhir/Patient/bad_id').set(AUTH), 400, 'invalid-id');
});

it('an unexpected failure is a 500 that carries only the request id', async () => {
  // Break the store underneath the running server: the error must not leak what went wrong.
  const db = new PgClient({ connectionString: t.databaseUrl });
  await db.connect();
  await db.query('ALTER TABLE resource RENAME TO resource_moved');
  try {
    const res = await http(t).get('/fhir/Patient/some-id').set(AUTH);
    const body = expectOutcome(res, 500, 'internal-error');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.issue[0].details.text).toBe(`An unexpected error occurred; request id ${res.headers['x-request-id']}`);
  } finally {
    await db.query('ALTER TABLE resource_moved RENAME TO resource');
    await db.end();
  }
});

it('a resource body in another media type is a 415', async () => {
  const body = JSON.stringify({ resourceType: 'Patient' });
  expectOutcome(await post('/fhir/Patient', body, 'application/json-patch+json'), 415, 'unsupported-media-type');
  expectOutcome(await post('/fhir/Patient', 'resourceType=Patient', 'application/x-www-form-urlencoded'), 415, 'unsupported-media-type');
});

it('a form body with too many parameters is a 400', async () => {
  const form = Array.from({ length: 1001 }, (_, i) => `p${i}=1`).join('&');
  expectOutcome(await post('/fhir/Patient/_search', form, 'application/x-www-form-urlencoded'), 400, 'too-many-parameters');
});

it('a client-sent request id is not echoed', async () => {
  const res = await http(t).get('/fhir/metadata').set('x-request-id', 'attacker-chosen');
  expect(res.headers['x-request-id']).not.toBe('attacker-chosen');
});
