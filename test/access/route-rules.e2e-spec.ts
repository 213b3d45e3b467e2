// Deny by default, route by route: every route the application declares is either in the checked-in public list
// or carries an access rule, and the rule is the one below; a route without one is refused even with a valid
// token; the admin diagnostic needs an administrator and names the rule that refuses a resource.
import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { ACCESS_RULE } from '../../src/access/access-rule.decorator';
import { AccessRule } from '../../src/access/interaction-permissions';
import { PUBLIC_ROUTE } from '../../src/auth/public.decorator';
import { FhirPrincipal } from '../../src/auth/fhir-principal';
import { declaredRoutes } from '../support/declared-routes';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

/** The routes that answer without a token, and why each may. */
const PUBLIC: Record<string, string> = {
  'GET /fhir/metadata': 'the CapabilityStatement (FHIR requires it to be readable before authorization)',
  'POST /fhir/metadata': 'answers 405 only',
  'GET /fhir/.well-known/smart-configuration': 'SMART discovery',
  'GET /smart/interaction/:uid': 'sign-in and consent page (oidc-provider interaction cookie, CSRF token)',
  'POST /smart/interaction/:uid/login': 'password sign-in (CSRF token, Origin check, throttled)',
  'POST /smart/interaction/:uid/consent': 'consent (signed-in session, CSRF token)',
  'POST /smart/interaction/:uid/abort': 'cancel (CSRF token)',
  'GET /smart/launch': 'EHR launcher page (its own signed session cookie)',
  'POST /smart/launch/login': 'launcher sign-in (CSRF token, throttled)',
  'POST /smart/launch': 'launch an app (launcher session, CSRF token)',
  'POST /smart/launch/logout': 'launcher sign-out (CSRF token)',
  'GET /smart/style.css': 'stylesheet',
  'GET /smart/smart-style.json': 'SMART styling document',
};

/** Every other route and the one rule it must declare. */
const RULES: Record<string, AccessRule> = {
  'POST /fhir': 'batch-transaction',
  'GET /fhir/_history': 'history-system',
  'GET /fhir/:type': 'search-type',
  'POST /fhir/:type/_search': 'search-type',
  'POST /fhir/:type': 'create',
  'PUT /fhir/:type': 'conditional-update',
  'DELETE /fhir/:type': 'conditional-delete',
  'GET /fhir/:type/_history': 'history-type',
  'GET /fhir/:type/:id': 'read',
  'PUT /fhir/:type/:id': 'update',
  'PATCH /fhir/:type/:id': 'patch',
  'DELETE /fhir/:type/:id': 'delete',
  'GET /fhir/:type/:id/_history': 'history-instance',
  'GET /fhir/:type/:id/_history/:vid': 'vread',
  'POST /admin/access/explain': 'admin',
  // AuditEvent, answered from the audit trail (src/audit/audit-event.controller.ts)
  'GET /fhir/:type(^AuditEvent$)': 'search-type',
  'POST /fhir/:type(^AuditEvent$)/_search': 'search-type',
  'GET /fhir/:type(^AuditEvent$)/:id': 'read',
};

/** The authorization server's own endpoints: each authenticates its caller by the OAuth protocol itself. */
const AUTHORIZATION_ENDPOINTS = [
  'authorization_endpoint', 'end_session_endpoint', 'introspection_endpoint', 'jwks_uri', 'pushed_authorization_request_endpoint',
  'revocation_endpoint', 'token_endpoint', 'userinfo_endpoint',
];

/** A controller a later change might add and forget to mark: the guard must refuse it. */
@Controller('unmarked')
class UnmarkedController {
  @Get()
  reached(): string {
    return 'reached';
  }
}

const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const principals: Record<string, FhirPrincipal> = {
  'patient-token': { subject: 'u-patient', clientId: 'app', role: 'patient', fhirUser: 'Patient/p1', patient: 'p1', scopes: ['patient/Observation.rs'] },
  'practitioner-token': { subject: 'u-pract', clientId: 'app', role: 'practitioner', fhirUser: 'Practitioner/dr', scopes: ['user/*.cruds'] },
  'admin-token': { subject: 'u-admin', clientId: 'app', role: 'admin', scopes: ['user/*.rs'] },
  'admin-narrow-token': { subject: 'u-admin', clientId: 'app', role: 'admin', scopes: ['user/Observation.rs'] },
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { principals, controllers: [UnmarkedController] });
});
afterAll(() => t.close());

function concrete(route: string): [string, string] {
  const [method, path] = route.split(' ');
  return [method, path.replace(':type', 'Observation').replace(':id', 'o1').replace(':vid', '1')];
}

function send(method: string, path: string, headers: Record<string, string> = {}) {
  const req = request(t.origin)[method.toLowerCase() as 'get'](path).set(headers);
  return ['POST', 'PUT', 'PATCH'].includes(method) ? req.set('content-type', 'application/json').send('{}') : req;
}

describe('route inventory', () => {
  const routes = declaredRoutes();

  it('marks every declared route public (as listed) or with exactly the listed rule, and lists no route that is gone', () => {
    const unmarked: string[] = [];
    for (const { route, handler } of routes) {
      const isPublic = Reflect.getMetadata(PUBLIC_ROUTE, handler) === true;
      const rule = Reflect.getMetadata(ACCESS_RULE, handler) as AccessRule | undefined;
      if (isPublic && rule === undefined && route in PUBLIC) continue;
      if (!isPublic && rule !== undefined && RULES[route] === rule) continue;
      unmarked.push(`${route} (public: ${isPublic}, rule: ${rule ?? 'none'})`);
    }
    expect(unmarked).toEqual([]);
    expect(routes.map((r) => r.route).sort()).toEqual([...Object.keys(PUBLIC), ...Object.keys(RULES)].sort());
  });

  it.each(Object.keys(RULES))('refuses %s without a token: 401, WWW-Authenticate, OperationOutcome', async (route) => {
    const [method, path] = concrete(route);
    const res = await send(method, path);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="${t.fhirBase}"`);
    expect(JSON.parse(res.text).resourceType).toBe('OperationOutcome');
  });

  it('refuses a route that declares no rule, even with a valid token, and without one', async () => {
    const withToken = await request(t.origin).get('/unmarked').set(AUTH);
    expect(withToken.status).toBe(403);
    expect(withToken.text).not.toContain('reached');
    expect(JSON.parse(withToken.text).issue[0].details.coding[0].code).toBe('no-access-rule');
    expect((await request(t.origin).get('/unmarked')).status).toBe(401);
  });

  it('leaves the authorization server only its protocol endpoints, each authenticated by OAuth itself', async () => {
    const discovery = (await request(t.origin).get('/auth/.well-known/openid-configuration')).body as Record<string, unknown>;
    const endpoints = Object.keys(discovery).filter((k) => k.endsWith('_endpoint') || k === 'jwks_uri').sort();
    expect(endpoints).toEqual(AUTHORIZATION_ENDPOINTS);
    for (const key of endpoints) expect(String(discovery[key]).startsWith(`${t.origin}/auth/`)).toBe(true);
    // no registration, no device flow, no back-channel authentication, no development pages
    for (const path of ['/auth/reg', '/auth/device/auth', '/auth/interaction/x', '/auth/backchannel']) {
      expect([400, 404, 405]).toContain((await request(t.origin).post(path).type('form').send('a=b')).status);
    }
  });
});

describe('scopes at the guard', () => {
  it('answers 403 for a type the token has no scope on, and lets the granted type through to storage', async () => {
    const patientType = await request(t.origin).get('/fhir/Patient/p1').set(bearer('patient-token'));
    expect(patientType.status).toBe(403);
    expect(JSON.parse(patientType.text).issue[0].details.coding[0].code).toBe('scope-missing');
    expect((await request(t.origin).get('/fhir/Observation/nothing-here').set(bearer('patient-token'))).status).toBe(404);
  });

  it.each([
    ['POST', '/fhir/Observation'], ['PUT', '/fhir/Observation/o1'], ['PATCH', '/fhir/Observation/o1'], ['DELETE', '/fhir/Observation/o1'],
    ['PUT', '/fhir/Observation?code=x'], ['DELETE', '/fhir/Observation?code=x'],
  ])('refuses %s %s to a read-and-search token with 403', async (method, path) => {
    const res = await send(method, path, bearer('patient-token'));
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).issue[0].code).toBe('forbidden');
  });
});

describe('the access diagnostic for administrators', () => {
  let own: string;
  let others: string;
  let vital: string;

  beforeAll(async () => {
    const observation = (patient: string, category: string) => ({
      resourceType: 'Observation', status: 'final', subject: { reference: `Patient/${patient}` }, code: { text: 'x' },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
    });
    for (const id of ['p1', 'p2']) {
      await request(t.origin).put(`/fhir/Patient/${id}`).set(AUTH).set('content-type', 'application/fhir+json')
        .send({ resourceType: 'Patient', id });
    }
    const create = async (body: object) => (await request(t.origin).post('/fhir/Observation').set(AUTH).set('content-type', 'application/fhir+json').send(body)).headers.location.split('/')[5];
    own = await create(observation('p1', 'laboratory'));
    others = await create(observation('p2', 'laboratory'));
    vital = await create(observation('p1', 'vital-signs'));
  }, 60_000);

  const explain = (token: string, body: object) =>
    request(t.origin).post('/admin/access/explain').set(bearer(token)).set('content-type', 'application/json').send(body);

  it('is refused to patient and practitioner tokens, an administrator\'s token without user/*.rs, and backend services', async () => {
    for (const token of ['patient-token', 'practitioner-token', 'admin-narrow-token']) {
      const res = await explain(token, { resource: `Observation/${own}` });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.text).issue[0].details.coding[0].code).toBe('admin-role-required');
    }
    expect((await explain('test-token-for-the-e2e-suite', { resource: `Observation/${own}` })).status).toBe(403);
  });

  it('names the rule: allowed, outside the compartment, restriction not met, scope missing, not found', async () => {
    const scope = `patient/Observation.rs?category=${LAB}`;
    const ask = async (resource: string, interaction = 'read') =>
      (await explain('admin-token', { scope, patient: 'p1', role: 'patient', interaction, resource })).body as { decision: string; rule?: string };
    expect(await ask(`Observation/${own}`)).toMatchObject({ decision: 'allowed' });
    expect(await ask(`Observation/${others}`)).toMatchObject({ decision: 'refused', rule: 'outside-compartment' });
    expect(await ask(`Observation/${vital}`)).toMatchObject({ decision: 'refused', rule: 'granular-restriction' });
    expect(await ask(`Observation/${own}`, 'delete')).toMatchObject({ decision: 'refused', rule: 'scope-missing' });
    expect(await ask('Observation/does-not-exist')).toMatchObject({ decision: 'not-found' });
  });

  it('answers a malformed question with a 400 OperationOutcome', async () => {
    const res = await explain('admin-token', { resource: '../../etc/passwd' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).resourceType).toBe('OperationOutcome');
  });
});
