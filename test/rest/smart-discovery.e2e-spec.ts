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
