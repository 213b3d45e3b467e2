// What the audit trail records, over real HTTP with real tokens: one AuditEvent per FHIR interaction (agent,
// entity, action, outcome, patients), refusals with the access rule behind them, sign-ins, consent, tokens issued,
// refreshed and revoked; every record valid R4, and no token, password, secret or cookie anywhere in the table.
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { Client as PgClient } from 'pg';
import { validateResource } from '../../src/validation/resource.validator';
import { http } from '../support/clients';
import { startTestApp, TestApp } from '../support/test-app';
import { Browser } from '../smart/support/browser';
import { authorize, createUser, launchStandalone, PASSWORD, registerApp, seed, signIn, TestSmartApp } from '../smart/support/smart-app';
import { AuditEventJson, AuditLog, Backend, patientsOf, queryOf, registerBackend, requestor, targetOf } from './support/audit-fixtures';

const PATIENT_SCOPE = 'openid fhirUser launch/patient offline_access patient/*.cruds';

let t: TestApp;
let db: PgClient;
let log: AuditLog;
let backend: Backend;
let systemToken: string;
let app: TestSmartApp;
let patientTokens: client.TokenEndpointResponse;
let browser: Browser;
let patientUserId: string;
let A: string;
let B: string;
let obsB: string;
/** Everything secret the tests used: none of it may appear in the audit trail. */
const secrets: string[] = [PASSWORD];

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const fhirJson = { 'content-type': 'application/fhir+json' };
const observation = (patient: string, identifier = `obs-${Math.random().toString(36).slice(2)}`) => ({
  resourceType: 'Observation', status: 'final', code: { text: 'weight' }, subject: { reference: `Patient/${patient}` },
  identifier: [{ system: 'http://example.org/obs', value: identifier }],
});

beforeAll(async () => {
  t = await startTestApp({}, { realAuthentication: true });
  db = new PgClient({ connectionString: t.databaseUrl });
  await db.connect();
  log = new AuditLog(t, db);
  A = await seed(t, { resourceType: 'Patient', name: [{ family: 'Able' }] });
  B = await seed(t, { resourceType: 'Patient', name: [{ family: 'Baker' }] });
  obsB = await seed(t, observation(B));
  backend = await registerBackend(t, 'system/*.cruds');
  systemToken = (await client.clientCredentialsGrant(backend.config, { scope: 'system/*.cruds' })).access_token;
  secrets.push(systemToken);
  app = await registerApp(t, { scope: PATIENT_SCOPE, kind: 'confidential' });
  secrets.push(app.clientSecret!);
  const user = await createUser(t, 'patient', `Patient/${A}`);
  patientUserId = user.id;
  const launched = await launchStandalone(t, app, user, PATIENT_SCOPE);
  patientTokens = launched.tokens;
  browser = launched.browser;
  secrets.push(patientTokens.access_token, patientTokens.refresh_token!, patientTokens.id_token!);
}, 60_000);
afterAll(async () => {
  await db.end();
  await t.close();
});

function expectSystemAgent(event: AuditEventJson): void {
  expect(requestor(event)).toMatchObject({
    who: { identifier: { system: 'urn:fhir-server:client', value: backend.clientId } },
    policy: [decodeJwt(systemToken).jti],
    network: { address: expect.stringMatching(/127\.0\.0\.1/), type: '2' },
  });
  expect(event.agent).toHaveLength(1); // a backend service acts for no user
}

describe('every FHIR interaction', () => {
  const sys = () => bearer(systemToken);
  let id: string;

  type Expected = { subtype: string; action: string; status: number; target?: string; patients: string[]; query?: string | RegExp };
  async function expectEvent(res: { status: number; headers: Record<string, string> }, e: Expected): Promise<AuditEventJson> {
    expect(res.status).toBe(e.status);
    const event = await log.ofRequest(res);
    expect(event).toMatchObject({
      resourceType: 'AuditEvent',
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: e.subtype }],
      action: e.action,
      outcome: '0',
      source: { observer: { identifier: { value: t.fhirBase } } },
    });
    expectSystemAgent(event);
    expect(patientsOf(event)).toEqual(e.patients.map((p) => `Patient/${p}`).sort());
    if (e.target) expect(targetOf(event)?.what.reference).toBe(e.target);
    if (e.query !== undefined) expect(queryOf(event)).toMatch(e.query);
    return event;
  }

  it('create', async () => {
    const res = await http(t).post('/fhir/Observation').set(sys()).set(fhirJson).send(observation(A, 'first'));
    id = res.headers.location.split('/')[5];
    const event = await expectEvent(res, { subtype: 'create', action: 'C', status: 201, target: `Observation/${id}`, patients: [A] });
    expect(targetOf(event)!.detail).toEqual([{ type: 'versionId', valueString: '1' }]);
  });

  it('read and vread', async () => {
    await expectEvent(await http(t).get(`/fhir/Observation/${id}`).set(sys()), { subtype: 'read', action: 'R', status: 200, target: `Observation/${id}`, patients: [A] });
    const vread = await expectEvent(await http(t).get(`/fhir/Observation/${id}/_history/1`).set(sys()),
      { subtype: 'vread', action: 'R', status: 200, target: `Observation/${id}`, patients: [A] });
    expect(targetOf(vread)!.detail).toEqual([{ type: 'versionId', valueString: '1' }]);
  });

  it('search-type, by GET and by POST _search, with the query and every patient whose rows were read', async () => {
    await expectEvent(await http(t).get('/fhir/Observation?code:text=weight&_count=50').set(sys()),
      { subtype: 'search-type', action: 'E', status: 200, patients: [A, B], query: 'code%3Atext=weight&_count=50' });
    await expectEvent(await http(t).post('/fhir/Observation/_search').set(sys()).type('form').send(`subject=Patient/${B}`),
      { subtype: 'search-type', action: 'E', status: 200, patients: [B], query: `subject=Patient%2F${B}` });
  });

  it('conditional create, without the header value', async () => {
    const res = await http(t).post('/fhir/Observation').set(sys()).set(fhirJson).set('if-none-exist', 'identifier=http://example.org/obs|first')
      .send(observation(A, 'first'));
    const event = await expectEvent(res, { subtype: 'create', action: 'C', status: 200, patients: [A] });
    expect(event.entity).toContainEqual(expect.objectContaining({ name: 'conditional' }));
    expect(JSON.stringify(event)).not.toContain('example.org/obs|first');
  });

  it('update, conditional update and patch', async () => {
    const current = JSON.parse((await http(t).get(`/fhir/Observation/${id}`).set(sys())).text);
    await expectEvent(await http(t).put(`/fhir/Observation/${id}`).set(sys()).set(fhirJson).send({ ...current, status: 'amended' }),
      { subtype: 'update', action: 'U', status: 200, target: `Observation/${id}`, patients: [A] });
    const conditional = await expectEvent(
      await http(t).put('/fhir/Observation?identifier=http://example.org/obs|first').set(sys()).set(fhirJson).send({ ...current, id: undefined, status: 'corrected' }),
      { subtype: 'update', action: 'U', status: 200, target: `Observation/${id}`, patients: [A], query: /^identifier=/ });
    expect(targetOf(conditional)!.detail).toEqual([{ type: 'versionId', valueString: '3' }]);
    await expectEvent(await http(t).patch(`/fhir/Observation/${id}`).set(sys()).set('content-type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/status', value: 'final' }])),
    { subtype: 'patch', action: 'U', status: 200, target: `Observation/${id}`, patients: [A] });
  });

  it('history of the instance, the type and the system', async () => {
    await expectEvent(await http(t).get(`/fhir/Observation/${id}/_history`).set(sys()), { subtype: 'history-instance', action: 'R', status: 200, target: `Observation/${id}`, patients: [A] });
    await expectEvent(await http(t).get('/fhir/Observation/_history?_count=100').set(sys()), { subtype: 'history-type', action: 'R', status: 200, patients: [A, B] });
    const system = await expectEvent(await http(t).get('/fhir/_history?_count=3').set(sys()), { subtype: 'history-system', action: 'R', status: 200, patients: [A] });
    expect(queryOf(system)).toBe('_count=3');
  });

  it('batch and transaction, with the patients of every entry', async () => {
    const batch = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Observation/${obsB}` } }] };
    const b = await expectEvent(await http(t).post('/fhir').set(sys()).set(fhirJson).send(batch), { subtype: 'batch', action: 'E', status: 200, patients: [B] });
    expect(b.entity).toContainEqual(expect.objectContaining({ name: 'Bundle', description: 'batch of 1 entries' }));
    const transaction = { resourceType: 'Bundle', type: 'transaction', entry: [
      { fullUrl: 'urn:uuid:6f0a4ad1-7d0e-4f3e-9f36-7c0e0d1f0a11', resource: observation(B), request: { method: 'POST', url: 'Observation' } },
      { resource: observation(A), request: { method: 'POST', url: 'Observation' } },
    ] };
    await expectEvent(await http(t).post('/fhir').set(sys()).set(fhirJson).send(transaction), { subtype: 'transaction', action: 'E', status: 200, patients: [A, B] });
  });

  it('delete and conditional delete', async () => {
    await expectEvent(await http(t).delete(`/fhir/Observation/${id}`).set(sys()), { subtype: 'delete', action: 'D', status: 204, target: `Observation/${id}`, patients: [A] });
    await http(t).post('/fhir/Observation').set(sys()).set(fhirJson).send(observation(B, 'to-go'));
    await expectEvent(await http(t).delete('/fhir/Observation?identifier=http://example.org/obs|to-go').set(sys()),
      { subtype: 'delete', action: 'D', status: 204, target: undefined, patients: [B], query: 'identifier=http%3A%2F%2Fexample.org%2Fobs%7Cto-go' });
  });
});

describe('refusals', () => {
  const rule = (event: AuditEventJson) => event.entity.flatMap((e: any) => e.detail ?? []).find((d: any) => d.type === 'access-rule')?.valueString;

  it('401: no token, or a token that is not one of ours; the caller is known by address only', async () => {
    for (const headers of [{}, bearer('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.not-a-token')]) {
      const res = await http(t).get(`/fhir/Observation/${obsB}`).set(headers);
      expect(res.status).toBe(401);
      const event = await log.ofRequest(res);
      expect(event).toMatchObject({ subtype: [{ code: 'read' }], action: 'R', outcome: '4' });
      expect(event.outcomeDesc).toBe('401 authentication-required; access rule authentication-required: no valid bearer token');
      expect(event.agent).toEqual([expect.objectContaining({ requestor: true, name: 'unauthenticated caller', network: expect.any(Object) })]);
      expect(event.agent[0].who).toBeUndefined();
      expect(rule(event)).toBe('authentication-required');
      expect(patientsOf(event)).toEqual([]);
    }
  });

  it('403: a type the token has no scope for, with the rule and what was granted', async () => {
    const narrow = await registerBackend(t, 'system/Observation.rs');
    const token = (await client.clientCredentialsGrant(narrow.config, { scope: 'system/Observation.rs' })).access_token;
    secrets.push(token);
    const res = await http(t).get(`/fhir/Patient/${A}`).set(bearer(token));
    expect(res.status).toBe(403);
    const event = await log.ofRequest(res);
    expect(event.outcome).toBe('4');
    expect(event.outcomeDesc).toMatch(/^403 scope-missing; access rule scope-missing: no granted scope gives r on Patient \(granted: system\/Observation\.rs\)$/);
    expect(targetOf(event)!.what.reference).toBe(`Patient/${A}`);
    expect(rule(event)).toBe('scope-missing');
  });

  it('404: another patient\'s record is refused like a missing one, and the trail says why', async () => {
    const res = await http(t).get(`/fhir/Observation/${obsB}`).set(bearer(patientTokens.access_token));
    expect(res.status).toBe(404);
    const event = await log.ofRequest(res);
    expect(event.outcomeDesc).toBe(`404 resource-not-found; access rule outside-compartment: Observation/${obsB} exists but is outside what the token reaches`);
    expect(rule(event)).toBe('outside-compartment');
    expect(patientsOf(event)).toEqual([`Patient/${A}`]); // the token's patient; B's record was not read
    expect(requestor(event)).toMatchObject({ who: { reference: `Patient/${A}`, identifier: { value: patientUserId } } });

    const missing = await http(t).get('/fhir/Observation/no-such-thing').set(bearer(patientTokens.access_token));
    expect(missing.status).toBe(404);
    expect((await log.ofRequest(missing)).outcomeDesc).toBe('404 resource-not-found');
  });

  it('a write refused for touching another patient', async () => {
    const res = await http(t).post('/fhir/Observation').set(bearer(patientTokens.access_token)).set(fhirJson).send(observation(B));
    expect(res.status).toBeGreaterThanOrEqual(400);
    const event = await log.ofRequest(res);
    expect(event).toMatchObject({ subtype: [{ code: 'create' }], action: 'C', outcome: '4' });
    expect(event.outcomeDesc).toMatch(new RegExp(`^${res.status} `));
  });
});

describe('the authorization server', () => {
  it('records the sign-in, the consent and the token of the launch, for the patient to see', async () => {
    const [signInEvent] = (await log.ofSubtype('110122')).filter((e) => requestor(e).who?.identifier?.value === patientUserId && e.outcome === '0');
    expect(signInEvent).toMatchObject({
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110114' }, action: 'E', outcome: '0',
    });
    expect(requestor(signInEvent)).toMatchObject({ who: { reference: `Patient/${A}` }, altId: expect.stringMatching(/^patient-/) });
    expect(signInEvent.agent).toContainEqual(expect.objectContaining({ who: { identifier: { system: 'urn:fhir-server:client', value: app.clientId } } }));
    expect(patientsOf(signInEvent)).toEqual([`Patient/${A}`]); // their own record: the patient sees their sign-ins
    const [consent] = (await log.ofSubtype('consent-granted')).filter((e) => requestor(e).who?.identifier?.value === patientUserId);
    expect(consent.entity).toContainEqual(expect.objectContaining({ name: 'consent', detail: [expect.objectContaining({ type: 'scope' })] }));
    expect(consent.entity[0].detail[0].valueString.split(' ')).toEqual(expect.arrayContaining(['patient/*.cruds', 'offline_access']));
    expect(patientsOf(consent)).toEqual([`Patient/${A}`]);
    const issued = (await log.ofSubtype('token-issued')).find((e) => e.agent.some((a: any) => a.who?.identifier?.value === app.clientId));
    expect(issued).toMatchObject({ action: 'C', outcome: '0' });
    expect(issued!.agent.find((a: any) => a.who?.identifier?.value === app.clientId)).toBeDefined();
    expect(requestor(issued!)).toMatchObject({ who: { identifier: { value: patientUserId } }, policy: [decodeJwt(patientTokens.access_token).jti] });
    expect(patientsOf(issued!)).toEqual([`Patient/${A}`]);
  });

  it('records a token issued by client_credentials', async () => {
    const after = await log.lastSeq();
    const token = (await client.clientCredentialsGrant(backend.config, { scope: 'system/Observation.rs' })).access_token;
    secrets.push(token);
    const [issued] = await log.ofSubtype('token-issued', after);
    expect(issued).toMatchObject({ outcome: '0', agent: [{ requestor: true, who: { identifier: { value: backend.clientId } }, policy: [decodeJwt(token).jti] }] });
    expect(issued.entity[0].detail).toEqual([{ type: 'grant_type', valueString: 'client_credentials' }, { type: 'scope', valueString: 'system/Observation.rs' }]);
  });

  it('records a failed sign-in, naming the account only when the name is one', async () => {
    const after = await log.lastSeq();
    const user = await createUser(t, 'patient', `Patient/${B}`);
    const wrongPassword = 'not the password, but long';
    const unknownName = 'nobody-by-this-name';
    secrets.push(wrongPassword, unknownName);
    for (const [username, password] of [[user.username, wrongPassword], [unknownName, PASSWORD]]) {
      const b = new Browser(t.origin);
      const auth = await authorize(b, app, t.fhirBase, PATIENT_SCOPE);
      await signIn(b, auth.page, username, password);
    }
    const failed = (await log.ofSubtype('110122', after)).filter((e) => e.outcome === '4');
    expect(failed).toHaveLength(2);
    expect(failed[0].outcomeDesc).toBe('sign-in failed: wrong username or password');
    expect(requestor(failed[0])).toMatchObject({ who: { reference: `Patient/${B}`, identifier: { value: user.id } }, altId: user.username });
    expect(failed[1].agent).toEqual([expect.objectContaining({ requestor: true, who: { identifier: { system: 'urn:fhir-server:client', value: app.clientId } } })]);
    expect(failed[1].entity).toEqual([expect.objectContaining({ description: 'no account has the name given' })]);
  });

  it('records a consent denied', async () => {
    const after = await log.lastSeq();
    const b = new Browser(t.origin);
    const auth = await authorize(b, app, t.fhirBase, PATIENT_SCOPE);
    const consentPage = await signIn(b, auth.page, (await createUser(t, 'patient', `Patient/${A}`)).username);
    await b.submit(consentPage, '/abort');
    const [denied] = await log.ofSubtype('consent-denied', after);
    expect(denied).toMatchObject({ outcome: '4', outcomeDesc: 'The user did not allow access' });
    expect(patientsOf(denied)).toEqual([`Patient/${A}`]);
    expect(requestor(denied).who.reference).toBe(`Patient/${A}`);
  });

  it('records a refresh and a revocation', async () => {
    const after = await log.lastSeq();
    const refreshed = await client.refreshTokenGrant(app.config, patientTokens.refresh_token!);
    secrets.push(refreshed.access_token, refreshed.refresh_token!);
    const [event] = await log.ofSubtype('token-refreshed', after);
    expect(event).toMatchObject({ outcome: '0' });
    expect(requestor(event)).toMatchObject({ who: { identifier: { value: patientUserId } }, policy: [decodeJwt(refreshed.access_token).jti] });
    await client.tokenRevocation(app.config, refreshed.access_token);
    const [revoked] = await log.ofSubtype('token-revoked', after);
    expect(revoked).toMatchObject({ action: 'D', outcome: '0', agent: [{ requestor: true, who: { identifier: { value: app.clientId } } }] });
    const reused = await http(t).get(`/fhir/Patient/${A}`).set(bearer(refreshed.access_token));
    expect(reused.status).toBe(401);
  });

  it('records a refused token request', async () => {
    const after = await log.lastSeq();
    const res = await http(t).post('/auth/token').type('form').send(`grant_type=refresh_token&refresh_token=not-a-real-one&client_id=${app.clientId}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    const [refused] = await log.ofSubtype('token-refused', after);
    expect(refused).toMatchObject({ outcome: '4', outcomeDesc: expect.stringMatching(/^(400|401) invalid_(grant|client)$/) });
    expect(JSON.stringify(refused)).not.toContain('not-a-real-one');
  });
});

describe('the whole trail', () => {
  it('holds no token, password, secret or cookie, and no JWT of any kind', async () => {
    for (const cookie of browser.cookieHeader(`${t.origin}/auth/`).split('; ').map((c) => c.split('=').slice(1).join('='))) {
      if (cookie.length > 8) secrets.push(cookie);
    }
    const rows = await log.all();
    expect(rows.length).toBeGreaterThan(30);
    const text = rows.map((r) => r.content).join('\n');
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
    expect(text.match(/eyJ[A-Za-z0-9_-]{10,}/g)).toBeNull();
    expect(text.toLowerCase().match(/bearer\s+ey|"authorization"|cookie/g)).toBeNull();
  });

  it('is valid R4, record by record', async () => {
    for (const row of await log.all()) {
      const errors = validateResource(JSON.parse(row.content)).filter((i) => i.severity === 'error');
      expect({ seq: row.seq, errors }).toEqual({ seq: row.seq, errors: [] });
    }
  });
});
