// The authorization server's discovery documents: the OpenID configuration at the issuer and the SMART
// configuration at the FHIR base, both public.
import { http } from '../support/clients';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

it('serves the OpenID configuration at the issuer', async () => {
  const res = await http(t).get('/auth/.well-known/openid-configuration');
  expect(res.status).toBe(200);
  expect(res.body.issuer).toBe(`${t.origin}/auth`);
  expect(res.body.authorization_endpoint).toBe(`${t.origin}/auth/authorize`);
  expect(res.body.code_challenge_methods_supported).toEqual(['S256']);
  expect(res.body.response_types_supported).toEqual(['code']);
  expect(res.body.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
  expect(res.body.grant_types_supported).not.toContain('password');
  expect(res.body.grant_types_supported).not.toContain('implicit');
});

it('serves the SMART configuration at the FHIR base, without a token', async () => {
  const res = await http(t).get('/fhir/.well-known/smart-configuration');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const c = res.body;
  expect(c.issuer).toBe(`${t.origin}/auth`);
  expect(c.authorization_endpoint).toBe(`${t.origin}/auth/authorize`);
  expect(c.token_endpoint).toBe(`${t.origin}/auth/token`);
  expect(c.code_challenge_methods_supported).toEqual(['S256']);
  expect(c.capabilities).toEqual(expect.arrayContaining([
    'launch-ehr', 'launch-standalone', 'authorize-post', 'client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric',
    'sso-openid-connect', 'context-passthrough-banner', 'context-passthrough-style', 'context-ehr-patient', 'context-ehr-encounter',
    'context-standalone-patient', 'permission-offline', 'permission-online', 'permission-patient', 'permission-user', 'permission-v1', 'permission-v2',
  ]));
  for (const field of ['jwks_uri', 'introspection_endpoint', 'revocation_endpoint', 'token_endpoint_auth_methods_supported', 'grant_types_supported', 'scopes_supported', 'response_types_supported']) {
    expect(c[field]).toBeDefined();
  }
  const jwks = await http(t).get(new URL(c.jwks_uri).pathname);
  expect(jwks.status).toBe(200);
  expect(jwks.body.keys.length).toBeGreaterThan(0);
  for (const key of jwks.body.keys) for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key[secret]).toBeUndefined();
});

it('lists SMART in the CapabilityStatement security', async () => {
  const cs = (await http(t).get('/fhir/metadata')).body;
  const security = cs.rest[0].security;
  expect(security.service[0].coding[0].code).toBe('SMART-on-FHIR');
  const uris = security.extension.find((e: any) => e.url.endsWith('oauth-uris'));
  expect(uris.extension.find((e: any) => e.url === 'token').valueUri).toBe(`${t.origin}/auth/token`);
  expect(security.extension.filter((e: any) => e.url.endsWith('/capabilities')).map((e: any) => e.valueCode)).toContain('permission-v2');
});
