// Deny by default: every FHIR route but /metadata and the SMART configuration needs a principal; the shipped server
// accepts only its own access tokens. Every other route's access rule is checked in test/access/route-rules.e2e-spec.ts.
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/app.config';
import { freePort } from '../../src/database/embedded-postgres.launcher';
import { configureHttp, fastifyOptions } from '../../src/http/http-setup';
import { http } from '../support/clients';
import { declaredRoutes } from '../support/declared-routes';
import { createDatabase, dropDatabase, startTestCluster, TestCluster } from '../support/test-cluster';
import { AUTH, startTestApp, TEST_TOKEN, TestApp } from '../support/test-app';

// Every FHIR route, with a method and a concrete path that reach it; checked against the controllers below.
const ROUTES: [string, string][] = [
  ['POST', '/fhir'],
  ['GET', '/fhir/Patient'],
  ['PUT', '/fhir/Patient'],
  ['DELETE', '/fhir/Patient'],
  ['POST', '/fhir/Patient/_search'],
  ['POST', '/fhir/Patient'],
  ['GET', '/fhir/Patient/_history'],
  ['GET', '/fhir/_history'],
  ['GET', '/fhir/Patient/1'],
  ['HEAD', '/fhir/Patient/1'],
  ['PUT', '/fhir/Patient/1'],
  ['PATCH', '/fhir/Patient/1'],
  ['DELETE', '/fhir/Patient/1'],
  ['GET', '/fhir/Patient/1/_history'],
  ['GET', '/fhir/Patient/1/_history/1'],
  ['GET', '/fhir/AuditEvent'],
  ['POST', '/fhir/AuditEvent/_search'],
  ['GET', '/fhir/AuditEvent/1'],
];

/** Sends the request as a client would: a JSON body only with the methods that carry one. */
function send(agent: ReturnType<typeof request>, method: string, path: string, headers: Record<string, string> = {}) {
  const req = agent[method.toLowerCase() as 'get'](path).set(headers);
  return ['POST', 'PUT', 'PATCH'].includes(method) ? req.set('content-type', 'application/fhir+json').send('{}') : req;
}

// The only routes that answer without credentials.
const PUBLIC_ROUTES = ['GET /fhir/metadata', 'POST /fhir/metadata', 'GET /fhir/.well-known/smart-configuration'];

function expect401(res: { status: number; text: string; headers: Record<string, string> }, fhirBase: string) {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe(`Bearer realm="${fhirBase}"`);
  if (res.text) expect(JSON.parse(res.text).issue[0].code).toBe('login');
}

it('covers every declared route: each is in the table above or is public', () => {
  const asPattern = ([method, path]: [string, string]) =>
    `${method} ${path.replace('/fhir/AuditEvent/1', '/fhir/:type(^AuditEvent$)/:id').replace('/fhir/AuditEvent', '/fhir/:type(^AuditEvent$)')
      .replace('/fhir/Patient/1/_history/1', '/fhir/:type/:id/_history/:vid').replace('/fhir/Patient/1', '/fhir/:type/:id').replace('/fhir/Patient', '/fhir/:type')}`;
  const tested = new Set(ROUTES.filter(([m]) => m !== 'HEAD').map(asPattern));
  const fhirRoutes = declaredRoutes().map((r) => r.route).filter((r) => r.split(' ')[1].startsWith('/fhir'));
  const untested = fhirRoutes.filter((r) => !tested.has(r) && !PUBLIC_ROUTES.includes(r));
  expect(untested).toEqual([]);
  expect(fhirRoutes.length).toBe(ROUTES.filter(([m]) => m !== 'HEAD').length + PUBLIC_ROUTES.length);
});

describe('the test server (with a test principal)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each(ROUTES)('%s %s without credentials answers 401 with WWW-Authenticate', async (method, path) => {
    expect401(await send(http(t), method, path), t.fhirBase);
  });

  it.each([
    ['an unknown token', 'Bearer not-the-token'],
    ['Basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['an empty bearer', 'Bearer '],
    ['the token without its scheme', TEST_TOKEN],
  ])('refuses %s', async (_what, authorization) => {
    expect401(await http(t).get('/fhir/Patient').set('authorization', authorization), t.fhirBase);
  });

  it('does not take a token from the query string or a cookie', async () => {
    expect401(await http(t).get(`/fhir/Patient?access_token=${TEST_TOKEN}`), t.fhirBase);
    expect401(await http(t).get('/fhir/Patient').set('cookie', `access_token=${TEST_TOKEN}`), t.fhirBase);
  });

  it('refuses a body without credentials before reading it', async () => {
    // Malformed JSON and an enormous form would be 400s if parsed: without credentials they are never parsed.
    expect401(await http(t).post('/fhir/Patient').set('content-type', 'application/fhir+json').send('{not json'), t.fhirBase);
    const form = 'a&'.repeat(500_000);
    expect401(await http(t).post('/fhir/Patient/_search').set('content-type', 'application/x-www-form-urlencoded').send(form), t.fhirBase);
    expect401(await http(t).post('/fhir/metadata').set('content-type', 'application/fhir+json').send('{}'), t.fhirBase);
  });

  it('serves /metadata without credentials', async () => {
    const res = await http(t).get('/fhir/metadata');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).resourceType).toBe('CapabilityStatement');
  });

  it('with the token, reaches the data', async () => {
    expect((await http(t).get('/fhir/Patient').set(AUTH)).status).toBe(200);
  });
});

describe('the shipped application module', () => {
  let app: NestFastifyApplication;
  let cluster: TestCluster;
  let origin: string;
  let fhirBase: string;
  let databaseUrl: string;

  beforeAll(async () => {
    cluster = await startTestCluster();
    const port = await freePort();
    databaseUrl = await createDatabase(cluster.adminUrl);
    const config = loadConfig({ PORT: String(port), DATABASE_URL: databaseUrl });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(fastifyOptions(config)), {
      bodyParser: false,
      logger: ['error'],
    });
    configureHttp(app, config);
    await app.listen(port, '127.0.0.1');
    origin = `http://127.0.0.1:${port}`;
    fhirBase = config.fhirBaseUrl;
  });
  afterAll(async () => {
    await app.close();
    await dropDatabase(cluster.adminUrl, databaseUrl);
    await cluster.stop();
  });

  it.each(ROUTES)('refuses %s %s with the test token, which is no access token of its authorization server', async (method, path) => {
    expect401(await send(request(origin), method, path, AUTH), fhirBase);
  });

  it('serves /metadata', async () => {
    expect((await request(origin).get('/fhir/metadata')).status).toBe(200);
  });
});
