// The authorization server's defaults that would be unsafe here, each shown changed: no implicit or password
// grant, PKCE for confidential clients too, no omitted redirect_uri, no access token in a query string, a
// bounded jwks_uri body, and sign-in on this server's own pages rather than the library's development ones.
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { http } from '../support/clients';
import { ClientsRepository } from '../../src/smart/clients.repository';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
const REDIRECT = 'https://app.example/cb';
const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');

beforeAll(async () => {
  t = await startTestApp({}, { realAuthentication: true });
});
afterAll(() => t.close());

async function app(kind: 'public' | 'confidential') {
  return t.app.get(ClientsRepository).create({ name: `${kind} app`, kind, redirectUris: [REDIRECT], scope: 'openid fhirUser launch/patient patient/*.rs' });
}

function authorize(params: Record<string, string | undefined>) {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return http(t).get(`/auth/authorize?${query}`);
}

const base = (clientId: string) => ({
  client_id: clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid launch/patient patient/*.rs', state: 'xyz',
  aud: t.fhirBase, code_challenge: challenge, code_challenge_method: 'S256',
});

it('sends sign-in to this server\'s own pages, never the development ones', async () => {
  const c = await app('public');
  const res = await authorize(base(c.clientId));
  expect(res.status).toBe(303);
  expect(res.headers.location).toMatch(/^\/smart\/interaction\/[A-Za-z0-9_-]+$/);
  expect((await http(t).get('/auth/interaction/anything')).status).toBe(404);
});

it('refuses the implicit flow', async () => {
  const c = await app('public');
  const res = await authorize({ ...base(c.clientId), response_type: 'token' });
  expect({ status: res.status, location: res.headers.location }).toEqual({ status: 303, location: expect.stringContaining('error=unsupported_response_type') });
  expect(res.headers.location).not.toContain('access_token');
});

it('requires PKCE from confidential clients too', async () => {
  const c = await app('confidential');
  const res = await authorize({ ...base(c.clientId), code_challenge: undefined, code_challenge_method: undefined });
  expect(res.status).toBe(303);
  const location = new URL(res.headers.location);
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  expect(location.searchParams.get('error')).toBe('invalid_request');
  expect(location.searchParams.get('code')).toBeNull();
});

it('does not let a client omit its single registered redirect_uri', async () => {
  const c = await app('public');
  const res = await authorize({ ...base(c.clientId), redirect_uri: undefined });
  expect(res.status).toBe(400);
  expect(res.headers.location).toBeUndefined();
  expect(res.text).not.toContain('<script');
});

it('has no password grant', async () => {
  const c = await app('confidential');
  const res = await http(t).post('/auth/token').type('form').auth(c.clientId, c.clientSecret!)
    .send(new URLSearchParams({ grant_type: 'password', username: 'someone', password: 'secret', scope: 'openid' }).toString());
  expect(res.status).toBe(400);
  expect(res.body.error).toBe('unsupported_grant_type');
});

it('does not take an access token from the query string at userinfo', async () => {
  const res = await http(t).get('/auth/me?access_token=anything');
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
});

describe('a backend client with a jwks_uri', () => {
  let server: Server;
  let body = '';
  let uri: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function tokenWith(padding: number) {
    const { publicKey, privateKey } = await generateKeyPair('RS384', { extractable: true });
    const kid = randomUUID();
    const key = { ...(await exportJWK(publicKey)), kid, alg: 'RS384', use: 'sig' };
    body = JSON.stringify({ keys: [key, ...Array.from({ length: padding }, (_, i) => ({ ...key, kid: `pad-${i}` }))] });
    const c = await t.app.get(ClientsRepository).create({ name: 'jwks_uri backend', kind: 'backend', redirectUris: [], jwksUri: uri, scope: 'system/Observation.rs' });
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'RS384', kid })
      .setIssuer(c.clientId).setSubject(c.clientId).setAudience(`${t.origin}/auth/token`).setIssuedAt(now).setExpirationTime(now + 120).sign(privateKey);
    return http(t).post('/auth/token').type('form').send(new URLSearchParams({
      grant_type: 'client_credentials', scope: 'system/Observation.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
    }).toString());
  }

  it('accepts keys fetched from it', async () => {
    const res = await tokenWith(0);
    expect(res.status).toBe(200);
    expect(res.body.access_token).toBeDefined();
  });

  it('refuses a key set larger than 64 KiB', async () => {
    const res = await tokenWith(200);
    expect(body.length).toBeGreaterThan(64 * 1024);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });
});

it('takes the authorization request by POST too (authorize-post), as the same request by GET', async () => {
  const c = await app('public');
  const form = new URLSearchParams(base(c.clientId)).toString();
  const posted = await http(t).post('/auth/authorize').type('form').send(form);
  expect(posted.status).toBe(303);
  const location = new URL(posted.headers.location, t.origin);
  expect(location.pathname).toBe('/auth/authorize');
  expect(Object.fromEntries(location.searchParams)).toEqual(base(c.clientId));
  const followed = await http(t).get(`${location.pathname}${location.search}`);
  expect(followed.status).toBe(303);
  expect(followed.headers.location).toMatch(/^\/smart\/interaction\//);
});

describe('keys behind a jwks_uri follow its Cache-Control', () => {
  let server: Server;
  let current: { body: string; cacheControl: string } = { body: '', cacheControl: 'no-store' };
  let uri: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': current.cacheControl });
      res.end(current.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function keyPair() {
    const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
    const kid = randomUUID();
    return { privateKey, kid, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' } };
  }

  async function tokenStatus(clientId: string, key: Awaited<ReturnType<typeof keyPair>>): Promise<number> {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES384', kid: key.kid })
      .setIssuer(clientId).setSubject(clientId).setAudience(`${t.origin}/auth/token`).setIssuedAt(now).setExpirationTime(now + 120).sign(key.privateKey);
    const res = await http(t).post('/auth/token').type('form').send(new URLSearchParams({
      grant_type: 'client_credentials', scope: 'system/Observation.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
    }).toString());
    return res.status;
  }

  it('takes a rotated key at once when the response may not be cached, and keeps a cacheable one', async () => {
    const [first, second, third] = [await keyPair(), await keyPair(), await keyPair()];
    const c = await t.app.get(ClientsRepository).create({ name: 'rotating backend', kind: 'backend', redirectUris: [], jwksUri: `${uri}?c=1`, scope: 'system/Observation.rs' });
    current = { body: JSON.stringify({ keys: [first.jwk] }), cacheControl: 'no-store' };
    expect(await tokenStatus(c.clientId, first)).toBe(200);
    current = { body: JSON.stringify({ keys: [second.jwk] }), cacheControl: 'max-age=3600' };
    expect(await tokenStatus(c.clientId, second)).toBe(200);
    expect(await tokenStatus(c.clientId, first)).toBe(401);
    current = { body: JSON.stringify({ keys: [third.jwk] }), cacheControl: 'no-store' };
    expect(await tokenStatus(c.clientId, third)).toBe(401); // the second set is still fresh for an hour
    expect(await tokenStatus(c.clientId, second)).toBe(200);
  });
});
