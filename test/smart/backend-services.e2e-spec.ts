// SMART Backend Services end to end with openid-client: client_credentials with a private_key_jwt assertion
// (RS384 and ES384), system scopes narrowed to the registration, 300-second tokens without refresh, assertion
// rules (exp at most five minutes ahead, jti never twice, aud the token endpoint), and the FHIR side accepting
// the token until it is revoked or its client disabled. https://hl7.org/fhir/smart-app-launch/backend-services.html
import { exportJWK, generateKeyPair, SignJWT, importJWK, JWK } from 'jose';

type KeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import * as client from 'openid-client';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { http } from '../support/clients';
import { ClientsRepository } from '../../src/smart/clients.repository';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let tokenEndpoint: string;

interface Backend {
  clientId: string;
  privateKey: KeyLike;
  kid: string;
  alg: string;
}

async function registerBackend(alg: 'RS384' | 'ES384', scope: string): Promise<Backend> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const registered = await t.app.get(ClientsRepository).create({ name: `backend ${alg}`, kind: 'backend', redirectUris: [], jwks: { keys: [jwk] }, scope });
  return { clientId: registered.clientId, privateKey: privateKey as KeyLike, kid, alg };
}

async function configFor(b: Backend): Promise<client.Configuration> {
  return client.discovery(new URL(`${t.origin}/auth`), b.clientId, undefined,
    client.PrivateKeyJwt({ key: b.privateKey, kid: b.kid }, { [client.modifyAssertion]: (_h, payload) => { payload.aud = tokenEndpoint; } }),
    { execute: [client.allowInsecureRequests] });
}

/** A hand-made assertion, for the cases a client library would never send. */
async function assertion(b: Backend, claims: { exp?: number; jti?: string; aud?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: claims.jti ?? randomUUID() })
    .setProtectedHeader({ alg: b.alg, kid: b.kid, typ: 'JWT' })
    .setIssuer(b.clientId).setSubject(b.clientId).setAudience(claims.aud ?? tokenEndpoint)
    .setIssuedAt(now).setExpirationTime(claims.exp ?? now + 240)
    .sign(b.privateKey);
}

function tokenRequest(form: Record<string, string>) {
  return http(t).post('/auth/token').type('form').send(new URLSearchParams(form).toString());
}

const assertionForm = (jwt: string, scope = 'system/Observation.rs') => ({
  grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt,
});

beforeAll(async () => {
  t = await startTestApp({}, { realAuthentication: true });
  tokenEndpoint = `${t.origin}/auth/token`;
});
afterAll(() => t.close());

it.each(['RS384', 'ES384'] as const)('issues a 300-second system token to a %s backend client, and FHIR accepts it', async (alg) => {
  const b = await registerBackend(alg, 'system/Observation.rs system/Patient.read');
  const tokens = await client.clientCredentialsGrant(await configFor(b), { scope: 'system/Observation.rs system/Patient.read' });
  expect(tokens.token_type.toLowerCase()).toBe('bearer');
  expect(tokens.expires_in).toBeLessThanOrEqual(300);
  expect(tokens.scope!.split(' ').sort()).toEqual(['system/Observation.rs', 'system/Patient.read']);
  expect(tokens.refresh_token).toBeUndefined();
  const res = await http(t).get('/fhir/Observation').set('authorization', `Bearer ${tokens.access_token}`);
  expect(res.status).toBe(200);
  expect(res.body.resourceType).toBe('Bundle');
});

it('answers token requests with no-store and no-cache', async () => {
  const b = await registerBackend('RS384', 'system/Observation.rs');
  const res = await tokenRequest(assertionForm(await assertion(b)));
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers.pragma).toBe('no-cache');
});

it('grants only what the registration covers', async () => {
  const b = await registerBackend('RS384', 'system/Observation.rs');
  const res = await tokenRequest(assertionForm(await assertion(b), 'system/Observation.rs?category=laboratory system/Patient.rs system/*.cruds'));
  expect(res.status).toBe(200);
  expect(res.body.scope).toBe('system/Observation.rs?category=laboratory');
});

it('refuses an assertion used twice, expiring more than five minutes ahead, expired, or for another audience', async () => {
  const b = await registerBackend('ES384', 'system/Observation.rs');
  const jwt = await assertion(b);
  expect((await tokenRequest(assertionForm(jwt))).status).toBe(200);
  const replay = await tokenRequest(assertionForm(jwt));
  expect(replay.status).toBe(401);
  expect(replay.body.error).toBe('invalid_client');
  const now = Math.floor(Date.now() / 1000);
  for (const claims of [{ exp: now + 600 }, { exp: now - 60 }, { aud: `${t.origin}/auth` }, { aud: `${t.fhirBase}` }]) {
    const res = await tokenRequest(assertionForm(await assertion(b, claims)));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  }
});

it('refuses an assertion signed by a key that is not registered', async () => {
  const b = await registerBackend('RS384', 'system/Observation.rs');
  const other = await generateKeyPair('RS384', { extractable: true });
  const res = await tokenRequest(assertionForm(await assertion({ ...b, privateKey: other.privateKey as KeyLike })));
  expect(res.status).toBe(401);
});

it('describes a live token by introspection, and refuses it everywhere once revoked', async () => {
  const b = await registerBackend('RS384', 'system/Observation.rs');
  const config = await configFor(b);
  const { access_token: token } = await client.clientCredentialsGrant(config, { scope: 'system/Observation.rs' });
  const live = await client.tokenIntrospection(config, token);
  expect(live.active).toBe(true);
  expect(live.scope).toBe('system/Observation.rs');
  expect(live.client_id).toBe(b.clientId);
  await client.tokenRevocation(config, token);
  expect((await client.tokenIntrospection(config, token)).active).toBe(false);
  expect((await http(t).get('/fhir/Observation').set('authorization', `Bearer ${token}`)).status).toBe(401);
});

it('refuses every token of a client once it is disabled', async () => {
  const b = await registerBackend('RS384', 'system/Observation.rs');
  const { access_token: token } = await client.clientCredentialsGrant(await configFor(b), { scope: 'system/Observation.rs' });
  expect((await http(t).get('/fhir/Observation').set('authorization', `Bearer ${token}`)).status).toBe(200);
  await t.app.get(ClientsRepository).setDisabled(b.clientId, true);
  expect((await http(t).get('/fhir/Observation').set('authorization', `Bearer ${token}`)).status).toBe(401);
});

describe('tokens the FHIR side refuses', () => {
  let key: KeyLike;
  let kid: string;
  let b: Backend;
  beforeAll(async () => {
    const [row] = (await t.app.get(DataSource).query("SELECT private_jwk FROM signing_key WHERE alg = 'RS256'")) as { private_jwk: JWK & { kid: string } }[];
    key = (await importJWK(row.private_jwk, 'RS256')) as KeyLike;
    kid = row.private_jwk.kid;
    b = await registerBackend('RS384', 'system/Observation.rs');
  });

  /** A token signed with the server's own key, so only the named claim or header makes it wrong. */
  async function forged(change: { aud?: string; typ?: string; iss?: string; exp?: number; alg?: string }) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: b.clientId, scope: 'system/Observation.rs', jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid, typ: change.typ ?? 'at+jwt' })
      .setIssuer(change.iss ?? `${t.origin}/auth`).setSubject(b.clientId).setAudience(change.aud ?? t.fhirBase)
      .setIssuedAt(now).setExpirationTime(change.exp ?? now + 60)
      .sign(key);
  }

  it('accepts the control token', async () => {
    expect((await http(t).get('/fhir/Observation').set('authorization', `Bearer ${await forged({})}`)).status).toBe(200);
  });

  it.each([
    ['another audience', { aud: 'https://other.example/fhir' }],
    ['an id_token type', { typ: 'JWT' }],
    ['another issuer', { iss: 'https://other.example/auth' }],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 120 }],
  ])('refuses %s', async (_name, change) => {
    const res = await http(t).get('/fhir/Observation').set('authorization', `Bearer ${await forged(change)}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses a token in the query string or without the Bearer scheme', async () => {
    const token = await forged({});
    expect((await http(t).get(`/fhir/Observation?access_token=${token}`)).status).toBe(401);
    expect((await http(t).get('/fhir/Observation').set('authorization', token)).status).toBe(401);
    expect((await http(t).get('/fhir/Observation').set('cookie', `access_token=${token}`)).status).toBe(401);
  });

  it('refuses an edited payload', async () => {
    const [h, p, s] = (await forged({})).split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.scope = 'system/*.cruds';
    const edited = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    expect((await http(t).get('/fhir/Observation').set('authorization', `Bearer ${edited}`)).status).toBe(401);
  });
});
