// The authorization code flow for each kind of registered app, and the v1 and online_access permissions:
// a confidential app authenticating with its secret (client-confidential-symmetric), one with a signed JWT
// (client-confidential-asymmetric), v1 scopes granted as written, and an online_access refresh token.
// https://hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html
import * as client from 'openid-client';
import { exportJWK, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { ClientsRepository } from '../../src/smart/clients.repository';
import { AppUser, UsersRepository } from '../../src/smart/users.repository';
import { startTestApp, TestApp } from '../support/test-app';
import { allow, authorize, callbackOf, createPatient, createUser, exchange, launchStandalone, registerApp, signIn, TestSmartApp } from './support/smart-app';
import { Browser } from './support/browser';

let t: TestApp;
let patientUser: AppUser;
let patientId: string;
const SCOPE = 'openid fhirUser launch/patient online_access patient/Patient.read patient/Observation.read';

beforeAll(async () => {
  // Practitioners here may pick any patient; the practitioner rule itself is tested in test/access/.
  t = await startTestApp({ FHIR_PRACTITIONER_ACCESS: 'all' }, { realAuthentication: true });
  patientId = await createPatient(t, 'Kind', 'Kim', '1970-01-01');
  patientUser = await createUser(t, 'patient', `Patient/${patientId}`);
});
afterAll(() => t.close());

async function readsOwnPatient(accessToken: string): Promise<number> {
  const res = await fetch(`${t.fhirBase}/Patient/${patientId}`, { headers: { authorization: `Bearer ${accessToken}` } });
  return res.status;
}

it('runs the code flow for a confidential app that authenticates with its secret', async () => {
  const app = await registerApp(t, { kind: 'confidential', scope: SCOPE });
  expect(app.clientSecret).toBeDefined();
  const { tokens } = await launchStandalone(t, app, patientUser, SCOPE);
  expect(tokens.patient).toBe(patientId);
  expect(tokens.scope!.split(' ').sort()).toEqual(SCOPE.split(' ').sort()); // v1 scopes granted as written
  expect(await readsOwnPatient(tokens.access_token)).toBe(200);
});

it('refuses the code of a confidential app exchanged with a wrong secret', async () => {
  const app = await registerApp(t, { kind: 'confidential', scope: SCOPE });
  const browser = new Browser(t.origin);
  const auth = await authorize(browser, app, t.fhirBase, SCOPE);
  const done = await allow(browser, await signIn(browser, auth.page, patientUser.username));
  const wrong: TestSmartApp = {
    ...app,
    config: await client.discovery(new URL(`${t.origin}/auth`), app.clientId, undefined, client.ClientSecretBasic('not-the-secret'), { execute: [client.allowInsecureRequests] }),
  };
  const refused = await exchange(wrong, auth, callbackOf(done, app)).then(() => undefined, (err: { status?: number; cause?: unknown }) => err);
  expect(refused?.status).toBe(401);
  expect(JSON.stringify(refused?.cause)).toContain('invalid_client');
});

it('runs the code flow for a confidential app that authenticates with a signed JWT', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
  const kid = randomUUID();
  const registered = await t.app.get(ClientsRepository).create({
    name: 'asymmetric app', kind: 'asymmetric', redirectUris: ['https://app.example/cb'], scope: SCOPE,
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' }] },
  });
  const tokenEndpoint = `${t.origin}/auth/token`;
  const config = await client.discovery(new URL(`${t.origin}/auth`), registered.clientId, undefined,
    client.PrivateKeyJwt({ key: privateKey, kid }, { [client.modifyAssertion]: (_h, payload) => { payload.aud = tokenEndpoint; } }),
    { execute: [client.allowInsecureRequests] });
  const app: TestSmartApp = { clientId: registered.clientId, redirectUri: 'https://app.example/cb', config };
  const { tokens } = await launchStandalone(t, app, patientUser, SCOPE);
  expect(tokens.patient).toBe(patientId);
  expect(await readsOwnPatient(tokens.access_token)).toBe(200);
});

it('gives an online_access refresh token that refreshes while the sign-in session lasts', async () => {
  const app = await registerApp(t, { scope: SCOPE });
  const { tokens } = await launchStandalone(t, app, patientUser, SCOPE);
  expect(tokens.refresh_token).toBeDefined();
  expect(await readsOwnPatient(tokens.refresh_token!)).toBe(401); // a refresh token is no access token
  const refreshed = await client.refreshTokenGrant(app.config, tokens.refresh_token!);
  expect(refreshed.access_token).not.toBe(tokens.access_token);
  expect(refreshed.scope!.split(' ')).toEqual(expect.arrayContaining(['patient/Patient.read', 'online_access']));
  expect(await readsOwnPatient(refreshed.access_token)).toBe(200);
});

it('refuses every token of a user once the user is disabled', async () => {
  const app = await registerApp(t, { scope: SCOPE });
  const user = await createUser(t, 'patient', `Patient/${patientId}`);
  const { tokens } = await launchStandalone(t, app, user, SCOPE);
  expect(await readsOwnPatient(tokens.access_token)).toBe(200);
  await t.app.get(UsersRepository).setDisabled(user.username, true);
  expect(await readsOwnPatient(tokens.access_token)).toBe(401);
  await expect(client.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toBeDefined();
});
