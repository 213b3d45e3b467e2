// SMART App Launch end to end over real HTTP, with openid-client as the app and a cookie-keeping browser for the
// pages: standalone launch by a patient (own record) and by a practitioner (patient picker), EHR launch from the
// launcher (single use, bound to the app and the user), and the requests that must get no tokens: wrong or
// extra-slashed redirect URIs, missing or plain PKCE, a wrong verifier, a wrong aud, a replayed code (which also
// revokes what the first exchange issued), scope escalation on refresh, an id_token used as an access token.
// https://hl7.org/fhir/smart-app-launch/app-launch.html
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { startTestApp, TestApp } from '../support/test-app';
import { AppUser } from '../../src/smart/users.repository';
import { Browser, formEndingWith, formsOf, Page } from './support/browser';
import {
  allow, authorize, callbackOf, createPatient, createPractitioner, createUser, exchange, launchStandalone, PASSWORD, registerApp, seed, signIn, TestSmartApp,
} from './support/smart-app';

let t: TestApp;
let amy: string;
let bob: string;
let carla: string;
let patientUser: AppUser;
let doctor: AppUser;
let otherDoctor: AppUser;
let standalone: TestSmartApp;
let ehrApp: TestSmartApp;
let otherEhrApp: TestSmartApp;

const PATIENT_SCOPE = 'openid fhirUser launch/patient offline_access patient/Patient.rs patient/Observation.rs';
const EHR_SCOPE = 'openid fhirUser launch offline_access patient/Patient.rs patient/Observation.rs';

beforeAll(async () => {
  // Practitioners here may pick any patient; the practitioner rule itself is tested in test/access/.
  t = await startTestApp({ FHIR_PRACTITIONER_ACCESS: 'all' }, { realAuthentication: true });
  amy = await createPatient(t, 'Shaw', 'Amy', '1987-02-20');
  bob = await createPatient(t, 'Jones', 'Bob', '1950-07-01');
  carla = await createPatient(t, 'Jones', 'Carla', '1962-11-30');
  patientUser = await createUser(t, 'patient', `Patient/${amy}`);
  doctor = await createUser(t, 'practitioner', `Practitioner/${await createPractitioner(t, 'House')}`);
  otherDoctor = await createUser(t, 'practitioner', `Practitioner/${await createPractitioner(t, 'Wilson')}`);
  standalone = await registerApp(t, {
    name: 'Standalone App', scope: `${PATIENT_SCOPE} online_access user/Patient.rs`, redirectUri: 'https://app.example/cb',
  });
  ehrApp = await registerApp(t, {
    name: 'EHR App', scope: EHR_SCOPE, redirectUri: 'https://ehr-app.example/cb', launchUri: 'https://ehr-app.example/launch',
  });
  otherEhrApp = await registerApp(t, {
    name: 'Other EHR App', scope: EHR_SCOPE, redirectUri: 'http://127.0.0.1:9/cb', launchUri: 'http://127.0.0.1:9/launch',
  });
});
afterAll(() => t.close());

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

async function fhirGet(url: string, token: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: { ...bearer(token), accept: 'application/fhir+json' } });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

/** The OAuth error an authorization request ends in: a redirect to the app with `error`, or an error page. */
async function authorizationRefusal(browser: Browser, url: URL, app: TestSmartApp): Promise<{ error?: string; page?: Page }> {
  const page = await browser.follow(await browser.get(url.toString()));
  if (page.location?.startsWith(app.redirectUri)) {
    const callback = new URL(page.location);
    expect(callback.searchParams.get('code')).toBeNull();
    return { error: callback.searchParams.get('error') ?? undefined };
  }
  expect(page.status).toBeGreaterThanOrEqual(400);
  expect(page.body).not.toMatch(/name="csrf"/); // no sign-in page: the request stopped at the server
  return { page };
}

async function oauthError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { error?: string }).error ?? (err as Error).message;
  }
  throw new Error('Expected the request to fail');
}

describe('standalone launch', () => {
  it('gives a patient their own record, a banner, the style, exactly the granted scope and a resolvable fhirUser', async () => {
    const { tokens, consentPage } = await launchStandalone(t, standalone, patientUser, PATIENT_SCOPE);
    expect(formsOf(consentPage.body).some((f) => f.options.patient)).toBe(false); // no picker for a patient
    expect(tokens.patient).toBe(amy);
    expect(tokens.need_patient_banner).toBe(true);
    expect(tokens.encounter).toBeUndefined();
    expect(tokens.scope!.split(' ').sort()).toEqual(PATIENT_SCOPE.split(' ').sort());
    expect(tokens.refresh_token).toBeTruthy();

    const style = await fetch(tokens.smart_style_url as string);
    expect(style.status).toBe(200);
    expect(((await style.json()) as { color_background: string }).color_background).toMatch(/^#/);

    const idToken = tokens.claims()!;
    expect(idToken.sub).toBe(patientUser.id);
    expect(idToken.fhirUser).toBe(`${t.fhirBase}/Patient/${amy}`);
    const access = decodeJwt(tokens.access_token);
    expect(access.aud).toBe(t.fhirBase);
    expect(access.patient).toBe(amy);

    const me = await fhirGet(idToken.fhirUser as string, tokens.access_token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ resourceType: 'Patient', id: amy });
  });

  it('lets a practitioner pick the patient by name, and needs a pick', async () => {
    const browser = new Browser(t.origin);
    const auth = await authorize(browser, standalone, t.fhirBase, `${PATIENT_SCOPE} user/Patient.rs`);
    const consent = await signIn(browser, auth.page, doctor.username);
    expect(consent.status).toBe(200);
    const search = formsOf(consent.body).find((f) => f.method === 'get');
    expect(search).toBeDefined();
    expect(formEndingWith(consent, '/consent').options.patient).toBeUndefined();

    const found = await browser.get(`${new URL(consent.url).pathname}?name=jones`);
    expect(found.status).toBe(200);
    expect(formEndingWith(found, '/consent').options.patient.sort()).toEqual([bob, carla].sort());
    expect(found.body).toContain('Bob Jones</strong>, born 1950-07-01');
    expect(found.body).not.toContain('Amy Shaw');

    const unpicked = await allow(browser, found);
    expect(unpicked.status).toBe(400);
    expect(unpicked.body).toContain('Choose the patient');

    const done = await allow(browser, found, { patient: carla });
    const tokens = await exchange(standalone, auth, callbackOf(done, standalone));
    expect(tokens.patient).toBe(carla);
    expect(tokens.need_patient_banner).toBe(true);
    expect(tokens.scope!.split(' ')).toContain('user/Patient.rs');
    expect(tokens.claims()!.fhirUser).toBe(`${t.fhirBase}/${doctor.fhirUser}`);
  });

  it('refuses a picked patient that does not exist', async () => {
    const browser = new Browser(t.origin);
    const auth = await authorize(browser, standalone, t.fhirBase, PATIENT_SCOPE);
    const consent = await signIn(browser, auth.page, doctor.username);
    const again = await allow(browser, consent, { patient: 'no-such-patient' });
    expect(again.status).toBe(400);
    expect(again.body).toContain('Choose the patient');
  });

  it('stops an app that asks for an EHR launch without a launch value', async () => {
    const browser = new Browser(t.origin);
    const auth = await authorize(browser, ehrApp, t.fhirBase, EHR_SCOPE);
    const refused = await signIn(browser, auth.page, doctor.username);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('sent no launch value');
    const back = await browser.follow(await browser.get(linkOf(refused)));
    expect(callbackOf(back, ehrApp).searchParams.get('error')).toBe('invalid_request');
  });
});

/** The "Return to the app" link of a notice page. */
function linkOf(page: Page): string {
  const m = /<a class="button" href="([^"]+)"/.exec(page.body);
  if (!m) throw new Error(`No link on ${page.url}:\n${page.body}`);
  return m[1].replace(/&amp;/g, '&');
}

describe('EHR launch', () => {
  /** A signed-in launcher session in a new browser. */
  async function launcher(user: AppUser = doctor): Promise<{ browser: Browser; page: Page }> {
    const browser = new Browser(t.origin);
    const login = await browser.get('/smart/launch');
    expect(login.status).toBe(200);
    const page = await browser.submit(login, '/smart/launch/login', { username: user.username, password: PASSWORD });
    expect(page.status).toBe(200);
    return { browser, page };
  }

  /** Launches `app` for `patient` from the launcher; returns the launch value the app receives. */
  async function launchFromEhr(app: TestSmartApp, appName: string, patient: string, user: AppUser = doctor): Promise<string> {
    const { browser } = await launcher(user);
    const found = await browser.get('/smart/launch?name=jones');
    const form = formEndingWith(found, '/smart/launch');
    const redirect = await browser.post(form.action, { ...form.fields, patient, client_id: app.clientId });
    expect(redirect.status).toBe(303);
    const target = new URL(redirect.location!);
    expect(`${target.origin}${target.pathname}`).toBe(appName === 'EHR App' ? 'https://ehr-app.example/launch' : 'http://127.0.0.1:9/launch');
    expect(target.searchParams.get('iss')).toBe(t.fhirBase);
    return target.searchParams.get('launch')!;
  }

  it('has its own signed session cookie, renewed at sign-in', async () => {
    const browser = new Browser(t.origin);
    const login = await browser.get('/smart/launch');
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('smart_launcher='))!;
    expect(cookie).toMatch(/; Path=\/smart\/launch; HttpOnly; SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // the test server's public URL is http
    const before = formEndingWith(login, '/smart/launch/login');
    const page = await browser.submit(login, '/smart/launch/login', { username: doctor.username, password: PASSWORD });
    expect(page.body).toContain(`Signed in as <strong>${doctor.username}</strong>`);
    const after = formEndingWith(page, '/smart/launch');
    expect(after.fields.csrf[0]).not.toBe(before.fields.csrf[0]);
    // The pre-sign-in token is bound to the old session id and no longer accepted.
    const stale = await browser.post('/smart/launch', { csrf: before.fields.csrf[0], patient: bob, client_id: ehrApp.clientId });
    expect(stale.status).toBe(403);
    // The same cookie with its signature changed is no session at all.
    const genuine = browser.cookie('smart_launcher')!;
    const tampered = `${genuine.slice(0, -2)}${genuine.endsWith('xx') ? 'yy' : 'xx'}`;
    const res = await fetch(`${t.origin}/smart/launch`, { headers: { cookie: `smart_launcher=${tampered}` } });
    expect(await res.text()).toContain('Sign in to launch an app');
    const ok = await fetch(`${t.origin}/smart/launch`, { headers: { cookie: `smart_launcher=${genuine}` } });
    expect(await ok.text()).toContain(`Signed in as <strong>${doctor.username}</strong>`);
  });

  it('lists only apps with a launch URL, and refuses a patient user', async () => {
    const { page } = await launcher();
    const form = formEndingWith(page, '/smart/launch');
    expect(form.options.client_id.sort()).toEqual([ehrApp.clientId, otherEhrApp.clientId].sort());
    expect(page.headers.get('content-security-policy')).toMatch(/form-action 'self' (https:\/\/ehr-app\.example|http:\/\/127\.0\.0\.1:9) /);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.body).not.toMatch(/<script/i);
    const browser = new Browser(t.origin);
    const login = await browser.get('/smart/launch');
    const refused = await browser.submit(login, '/smart/launch/login', { username: patientUser.username, password: PASSWORD });
    expect(refused.status).toBe(403);
  });

  it('signs out of the launcher with a CSRF-protected POST', async () => {
    const { browser, page } = await launcher();
    const logout = formEndingWith(page, '/smart/launch/logout');
    expect((await browser.post(logout.action, { csrf: 'forged' })).status).toBe(403);
    const after = await browser.submit(page, '/smart/launch/logout');
    expect(after.body).toContain('Sign in to launch an app');
  });

  it('carries the chosen patient into the token, with no banner, once only', async () => {
    const launch = await launchFromEhr(ehrApp, 'EHR App', bob);
    const browser = new Browser(t.origin);
    const auth = await authorize(browser, ehrApp, t.fhirBase, EHR_SCOPE, { launch });
    const consent = await signIn(browser, auth.page, doctor.username);
    expect(consent.status).toBe(200);
    expect(consent.body).toContain('Patient: <strong>Bob Jones</strong>');
    expect(formsOf(consent.body).some((f) => f.method === 'get')).toBe(false); // no picker
    const done = await allow(browser, consent);
    const tokens = await exchange(ehrApp, auth, callbackOf(done, ehrApp));
    expect(tokens.patient).toBe(bob);
    expect(tokens.need_patient_banner).toBe(false);
    expect(tokens.scope!.split(' ').sort()).toEqual(EHR_SCOPE.split(' ').sort());
    expect(decodeJwt(tokens.access_token).patient).toBe(bob);

    // The same launch value again, in the same signed-in browser: refused, and the app hears access_denied.
    const again = await authorize(browser, ehrApp, t.fhirBase, EHR_SCOPE, { launch });
    expect(again.page.status).toBe(403);
    expect(again.page.body).toContain('This launch is no longer valid');
    const back = await browser.follow(await browser.get(linkOf(again.page)));
    expect(callbackOf(back, ehrApp).searchParams.get('error')).toBe('access_denied');
  });

  it('carries an encounter of the patient chosen in the launcher, and refuses another patient\'s', async () => {
    const create = (subject: string) => seed(t, {
      resourceType: 'Encounter', status: 'in-progress', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: `Patient/${subject}` },
    });
    const visit = await create(bob);
    const elsewhere = await create(carla);
    const { browser } = await launcher();
    const found = await browser.get('/smart/launch?name=jones');
    const form = formEndingWith(found, '/smart/launch');
    const refused = await browser.post(form.action, { ...form.fields, patient: bob, client_id: ehrApp.clientId, encounter: elsewhere });
    expect(refused.status).toBe(400);
    const redirect = await browser.post(form.action, { ...form.fields, patient: bob, client_id: ehrApp.clientId, encounter: visit });
    expect(redirect.status).toBe(303);
    const launch = new URL(redirect.location!).searchParams.get('launch')!;
    const appBrowser = new Browser(t.origin);
    const auth = await authorize(appBrowser, ehrApp, t.fhirBase, `${EHR_SCOPE} launch/encounter`, { launch });
    const done = await allow(appBrowser, await signIn(appBrowser, auth.page, doctor.username));
    const tokens = await exchange(ehrApp, auth, callbackOf(done, ehrApp));
    expect(tokens.patient).toBe(bob);
    expect(tokens.encounter).toBe(visit);
    expect(decodeJwt(tokens.access_token).encounter).toBe(visit);
  });

  it('refuses a launch value at another app, and one made for another user', async () => {
    const launch = await launchFromEhr(ehrApp, 'EHR App', carla);
    const browser = new Browser(t.origin);
    const stolen = await authorize(browser, otherEhrApp, t.fhirBase, EHR_SCOPE, { launch });
    const refused = await signIn(browser, stolen.page, doctor.username);
    expect(refused.status).toBe(403);
    expect(callbackOf(await browser.follow(await browser.get(linkOf(refused))), otherEhrApp).searchParams.get('error')).toBe('access_denied');

    // The launch is still unused, but it belongs to the practitioner who made it, not to another one.
    const elsewhere = new Browser(t.origin);
    const auth = await authorize(elsewhere, ehrApp, t.fhirBase, EHR_SCOPE, { launch });
    const notYours = await signIn(elsewhere, auth.page, otherDoctor.username);
    expect(notYours.status).toBe(403);
    expect(notYours.body).toContain('This launch is no longer valid');

    // And for its own practitioner at its own app it still works.
    const own = new Browser(t.origin);
    const ok = await authorize(own, ehrApp, t.fhirBase, EHR_SCOPE, { launch });
    const tokens = await exchange(ehrApp, ok, callbackOf(await allow(own, await signIn(own, ok.page, doctor.username)), ehrApp));
    expect(tokens.patient).toBe(carla);
  });
});

describe('requests that get no tokens', () => {
  async function goodUrl(app = standalone, scope = PATIENT_SCOPE) {
    const verifier = client.randomPKCECodeVerifier();
    return client.buildAuthorizationUrl(app.config, {
      redirect_uri: app.redirectUri, scope, state: client.randomState(), aud: t.fhirBase,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
  }

  it.each([
    ['an unregistered redirect_uri', 'https://app.example/other'],
    ['the registered redirect_uri with an extra slash', 'https://app.example/cb/'],
    ['the registered redirect_uri with a query added', 'https://app.example/cb?x=1'],
  ])('stops at an error page for %s', async (_name, redirectUri) => {
    const url = await goodUrl();
    url.searchParams.set('redirect_uri', redirectUri);
    const browser = new Browser(t.origin);
    const page = await browser.get(url.toString());
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
    expect(page.body).toContain('redirect_uri');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('refuses a request without PKCE, and one with the plain method', async () => {
    const without = await goodUrl();
    without.searchParams.delete('code_challenge');
    without.searchParams.delete('code_challenge_method');
    expect((await authorizationRefusal(new Browser(t.origin), without, standalone)).error).toBe('invalid_request');
    const plain = await goodUrl();
    plain.searchParams.set('code_challenge', client.randomPKCECodeVerifier());
    plain.searchParams.set('code_challenge_method', 'plain');
    expect((await authorizationRefusal(new Browser(t.origin), plain, standalone)).error).toBe('invalid_request');
  });

  it('refuses an aud other than the FHIR base URL', async () => {
    const url = await goodUrl();
    url.searchParams.set('aud', 'https://other.example/fhir');
    expect((await authorizationRefusal(new Browser(t.origin), url, standalone)).error).toBe('invalid_request');
  });

  it('refuses a code with the wrong PKCE verifier', async () => {
    const browser = new Browser(t.origin);
    const auth = await authorize(browser, standalone, t.fhirBase, PATIENT_SCOPE);
    const done = await allow(browser, await signIn(browser, auth.page, patientUser.username));
    const wrong = { ...auth, verifier: client.randomPKCECodeVerifier() };
    expect(await oauthError(exchange(standalone, wrong, callbackOf(done, standalone)))).toBe('invalid_grant');
  });

  it('refuses a replayed code, and revokes what the first exchange issued', async () => {
    const browser = new Browser(t.origin);
    const auth = await authorize(browser, standalone, t.fhirBase, PATIENT_SCOPE);
    const callback = callbackOf(await allow(browser, await signIn(browser, auth.page, patientUser.username)), standalone);
    const first = await exchange(standalone, auth, callback);
    expect((await fhirGet(`${t.fhirBase}/Patient/${amy}`, first.access_token)).status).toBe(200);
    expect((await client.tokenIntrospection(standalone.config, first.refresh_token!)).active).toBe(true);

    expect(await oauthError(exchange(standalone, auth, callback))).toBe('invalid_grant');
    expect((await client.tokenIntrospection(standalone.config, first.refresh_token!)).active).toBe(false);
    expect(await oauthError(client.refreshTokenGrant(standalone.config, first.refresh_token!))).toBe('invalid_grant');
    expect((await fhirGet(`${t.fhirBase}/Patient/${amy}`, first.access_token)).status).toBe(401);
  });

  it('refuses a refresh that asks for more than was granted, and narrows one that asks for less', async () => {
    const { tokens } = await launchStandalone(t, standalone, patientUser, PATIENT_SCOPE, { scope: ['patient/Patient.rs'] });
    expect(tokens.scope!.split(' ')).not.toContain('patient/Observation.rs');
    const escalate = client.refreshTokenGrant(standalone.config, tokens.refresh_token!, { scope: 'patient/Patient.rs patient/Observation.rs' });
    expect(await oauthError(escalate)).toBe('invalid_scope');
    const narrowed = await client.refreshTokenGrant(standalone.config, tokens.refresh_token!, { scope: 'patient/Patient.rs' });
    expect(narrowed.scope).toBe('patient/Patient.rs');
    expect(narrowed.patient).toBe(amy);
  });

  it('refuses an id_token used as an access token, at userinfo and at the FHIR API', async () => {
    const { tokens } = await launchStandalone(t, standalone, patientUser, PATIENT_SCOPE);
    const idToken = tokens.id_token!;
    const userinfo = await fetch(standalone.config.serverMetadata().userinfo_endpoint!, { headers: bearer(idToken) });
    expect(userinfo.status).toBe(401);
    expect(userinfo.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect((await fhirGet(`${t.fhirBase}/Patient/${amy}`, idToken)).status).toBe(401);
  });
});
