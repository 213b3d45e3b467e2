// The sign-in and consent pages as a browser sees them: strict headers and no script, every reflected value
// escaped, CSRF tokens and Origin checked, one answer for an unknown user and a wrong password, lockout with
// doubling back-off per account and a limit per address, a new session id at each sign-in, unticked scopes left
// out of the token, the sign-out pages, and the static style documents.
// https://hl7.org/fhir/smart-app-launch/app-launch.html#obtain-authorization-code
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../support/test-app';
import { Browser, formEndingWith, formsOf, Page } from './support/browser';
import { allow, authorize, callbackOf, createPatient, createUser, exchange, launchStandalone, PASSWORD, registerApp, signIn, TestSmartApp } from './support/smart-app';

let t: TestApp;
let app: TestSmartApp;
let patientId: string;

const SCOPE = 'openid fhirUser launch/patient offline_access patient/Patient.rs patient/Observation.rs';
const FAILED = 'The username or password is not right.';

beforeAll(async () => {
  // Practitioners here may pick any patient; the practitioner rule itself is tested in test/access/.
  t = await startTestApp({ FHIR_PRACTITIONER_ACCESS: 'all' }, { realAuthentication: true });
  app = await registerApp(t, { name: 'Growth Chart', scope: SCOPE });
  patientId = await createPatient(t, 'Shaw', 'Amy', '1987-02-20');
});
afterAll(() => t.close());

/** Every page is sent with the strict headers and carries no script at all. */
function expectStrictPage(page: Page): void {
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toMatch(/script-src/);
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.body).not.toMatch(/<script/i);
  expect(page.body).not.toMatch(/<[^>]*\son[a-z]+=/i);
}

async function loginPage(browser = new Browser(t.origin), smartApp = app): Promise<{ browser: Browser; page: Page }> {
  const { page } = await authorize(browser, smartApp, t.fhirBase, SCOPE);
  expect(page.status).toBe(200);
  return { browser, page };
}

/** The throttle's counters per client address: every test here comes from 127.0.0.1, so each starts afresh. */
async function forgetAddressCounters(): Promise<void> {
  await t.app.get(DataSource).query("DELETE FROM login_throttle WHERE key LIKE 'address:%'");
}
afterEach(forgetAddressCounters);

describe('the sign-in page', () => {
  it('has strict headers, no script, a CSRF token and the app named', async () => {
    const { page } = await loginPage();
    expectStrictPage(page);
    expect(page.url).toMatch(/\/smart\/interaction\/[^/]+$/);
    const form = formEndingWith(page, '/login');
    expect(form.method).toBe('post');
    expect(form.fields.csrf?.[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(page.body).toContain('<strong>Growth Chart</strong>');
    expect(page.body).toMatch(/autocomplete="current-password"/);
  });

  it('escapes an app name made of markup, on the sign-in and the consent page', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const evil = await registerApp(t, { name: hostile, scope: SCOPE });
    const user = await createUser(t, 'patient', `Patient/${patientId}`);
    const { browser, page } = await loginPage(new Browser(t.origin), evil);
    expectStrictPage(page);
    expect(page.body).not.toContain(hostile);
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const consent = await signIn(browser, page, user.username);
    expect(consent.status).toBe(200);
    expectStrictPage(consent);
    expect(consent.body).not.toContain(hostile);
    expect(consent.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes what the user typed when it is shown again', async () => {
    const { browser, page } = await loginPage();
    const typed = '"><b>bold</b>';
    const again = await signIn(browser, page, typed, 'wrong');
    expect(again.body).toContain(FAILED);
    expect(again.body).not.toContain('<b>bold</b>');
    expect(again.body).toContain('value="&quot;&gt;&lt;b&gt;bold&lt;/b&gt;"');
  });

  it('is not found for an unknown or finished interaction', async () => {
    const browser = new Browser(t.origin);
    const page = await browser.get('/smart/interaction/not-an-interaction');
    expect(page.status).toBe(400);
    expectStrictPage(page);
    expect(page.body).toContain('expired');
  });
});

describe('CSRF', () => {
  it('refuses a sign-in without the token, with a wrong one, with another interaction\'s, or from another origin', async () => {
    const user = await createUser(t, 'patient', `Patient/${patientId}`);
    const { browser, page } = await loginPage();
    const form = formEndingWith(page, '/login');
    // A second authorization in the same browser: its own interaction, its own token.
    const other = formEndingWith((await loginPage(browser)).page, '/login');
    expect(other.action).not.toBe(form.action);
    const credentials = { username: user.username, password: PASSWORD };
    const attempts: { form: Record<string, string>; origin?: string }[] = [
      { form: credentials },
      { form: { ...credentials, csrf: 'x'.repeat(43) } },
      { form: { ...credentials, csrf: other.fields.csrf[0] } },
      { form: { ...credentials, csrf: form.fields.csrf[0] }, origin: 'https://evil.example' },
      { form: { ...credentials, csrf: form.fields.csrf[0] }, origin: 'null' },
    ];
    for (const attempt of attempts) {
      const res = await browser.post(form.action, attempt.form, attempt.origin ? { origin: attempt.origin } : {});
      expect(res.status).toBe(403);
      expectStrictPage(res);
      expect(res.body).toContain('This form has expired or was not sent from this site');
    }
    // The genuine form still works afterwards, with or without an Origin header.
    const consent = await browser.follow(await browser.post(form.action, { ...form.fields, ...credentials }, { origin: '' }));
    expect(consent.status).toBe(200);
    expect(consent.body).toContain('Allow <strong>Growth Chart</strong>');
  });

  it('refuses a consent or an abort without the token', async () => {
    const user = await createUser(t, 'patient', `Patient/${patientId}`);
    const { browser, page } = await loginPage();
    const consent = await signIn(browser, page, user.username);
    const form = formEndingWith(consent, '/consent');
    const abort = formEndingWith(consent, '/abort');
    expect((await browser.post(form.action, { scope: 'patient/Patient.rs' })).status).toBe(403);
    expect((await browser.post(abort.action, { csrf: 'nope' })).status).toBe(403);
    const done = await allow(browser, consent);
    expect(callbackOf(done, app).searchParams.get('code')).toBeTruthy();
  });
});

describe('failed sign-in', () => {
  it('answers an unknown user and a wrong password with the same page, status and wording, in similar time', async () => {
    const user = await createUser(t, 'patient', `Patient/${patientId}`);
    const unknown = `unknown-${user.username.slice(-8)}`;
    expect(unknown.length).toBe(user.username.length);
    const timed = async (username: string) => {
      const { browser, page } = await loginPage();
      const started = process.hrtime.bigint();
      const res = await signIn(browser, page, username, 'not the password');
      return { res, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const wrong = [await timed(user.username), await timed(user.username)];
    const none = [await timed(unknown), await timed(unknown)];
    const normalise = (p: Page, name: string) => p.body.replaceAll(name, 'NAME').replace(/\/smart\/interaction\/[^/"]+/g, 'URL')
      .replace(/name="csrf" value="[^"]+"/g, 'CSRF');
    for (const r of [...wrong, ...none]) {
      expect(r.res.status).toBe(200);
      expect(r.res.body).toContain(FAILED);
      expectStrictPage(r.res);
    }
    expect(normalise(none[0].res, unknown)).toBe(normalise(wrong[0].res, user.username));
    const fastest = (rs: { ms: number }[]) => Math.min(...rs.map((r) => r.ms));
    // Both verify an argon2id hash: neither answers in a fraction of the other's time.
    expect(fastest(none)).toBeGreaterThan(fastest(wrong) / 3);
    expect(fastest(wrong)).toBeGreaterThan(fastest(none) / 3);
  });

  it('locks an account after five failures, even against the right password, and doubles the lockout', async () => {
    const user = await createUser(t, 'practitioner');
    const { browser, page } = await loginPage();
    let current = page;
    for (let i = 0; i < 5; i++) {
      current = await signIn(browser, current, user.username, `wrong ${i}`);
      expect(current.status).toBe(200);
      expect(current.body).toContain(FAILED);
    }
    const locked = await signIn(browser, current, user.username, PASSWORD);
    expect(locked.status).toBe(429);
    expectStrictPage(locked);
    expect(locked.body).toContain('Too many sign-in attempts');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);

    // The first lockout runs out (made to, here); five more failures lock for twice as long.
    const accountKey = `account:${createHash('sha256').update(user.username).digest('hex')}`;
    await t.app.get(DataSource).query('UPDATE login_throttle SET expire = 0 WHERE key = $1', [accountKey]);
    current = locked;
    for (let i = 0; i < 5; i++) {
      current = await signIn(browser, current, user.username, `still wrong ${i}`);
      expect(current.body).toContain(FAILED);
    }
    const longer = await signIn(browser, current, user.username, PASSWORD);
    expect(longer.status).toBe(429);
    expect(Number(longer.headers.get('retry-after'))).toBeGreaterThan(29 * 60);
    expect(Number(longer.headers.get('retry-after'))).toBeLessThanOrEqual(30 * 60);
  });

  it('locks an unknown name exactly as a real one, so a lockout tells nothing', async () => {
    const { browser, page } = await loginPage();
    let current = page;
    for (let i = 0; i < 5; i++) current = await signIn(browser, current, 'no-such-user-anywhere', `guess ${i}`);
    expect(current.body).toContain(FAILED);
    const locked = await signIn(browser, current, 'no-such-user-anywhere', 'guess 6');
    expect(locked.status).toBe(429);
    expect(locked.body).toContain('Too many sign-in attempts');
  });

  it('limits one client address to twenty attempts in fifteen minutes, whatever the names', async () => {
    const user = await createUser(t, 'patient', `Patient/${patientId}`);
    const { browser, page } = await loginPage();
    let current = page;
    for (let i = 0; i < 20; i++) {
      current = await signIn(browser, current, `sprayed-name-${i}`, 'Password1');
      expect(current.status).toBe(200);
    }
    const refused = await signIn(browser, current, user.username, PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('Too many sign-in attempts');
  });
});

describe('sessions', () => {
  it('starts a new provider session id at each sign-in', async () => {
    const user = await createUser(t, 'patient', `Patient/${patientId}`);
    const first = await launchStandalone(t, app, user, SCOPE);
    const before = first.browser.cookie('_session');
    expect(before).toBeTruthy();
    // A second sign-in in the same browser (prompt=login) replaces the session id.
    const again = await authorize(first.browser, app, t.fhirBase, SCOPE, { prompt: 'login' });
    expect(formsOf(again.page.body).some((f) => f.action.endsWith('/login'))).toBe(true);
    const consent = await signIn(first.browser, again.page, user.username);
    expect(consent.status).toBe(200);
    const after = first.browser.cookie('_session');
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
  });

  it('keeps a provider session for an idle hour, and asks for the password once it has lapsed', async () => {
    const user = await createUser(t, 'patient', `Patient/${patientId}`);
    const { browser } = await launchStandalone(t, app, user, SCOPE);
    const id = browser.cookie('_session');
    const db = t.app.get(DataSource);
    const [row] = (await db.query("SELECT extract(epoch FROM expires_at - now()) AS left FROM oidc_model WHERE model = 'Session' AND id = $1",
      [id])) as { left: string }[];
    expect(Number(row.left)).toBeGreaterThan(3500);
    expect(Number(row.left)).toBeLessThanOrEqual(3600);
    // Still signed in: a second authorization needs no password.
    const again = await authorize(browser, app, t.fhirBase, SCOPE);
    expect(formsOf(again.page.body).some((f) => f.action.endsWith('/login'))).toBe(false);
    // Lapsed (made so here): the next authorization asks for the password again.
    await db.query("UPDATE oidc_model SET expires_at = now() - interval '1 second' WHERE model = 'Session' AND id = $1", [id]);
    const lapsed = await authorize(browser, app, t.fhirBase, SCOPE);
    expect(formsOf(lapsed.page.body).some((f) => f.action.endsWith('/login'))).toBe(true);
  });

  it('lets the page submit to the app it will return to, and nowhere else', async () => {
    const { page } = await loginPage();
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/form-action 'self' https:\/\/app\.example;/);
  });

  it('signs out through our page with the provider\'s own form and token', async () => {
    const user = await createUser(t, 'patient', `Patient/${patientId}`);
    const { browser } = await launchStandalone(t, app, user, SCOPE);
    const page = await browser.get('/auth/session/end');
    expect(page.status).toBe(200);
    expectStrictPage(page);
    const form = formsOf(page.body).find((f) => f.action.endsWith('/auth/session/end/confirm'));
    expect(form?.fields.xsrf?.[0]).toBeTruthy();
    expect(page.body).toContain('form="op.logoutForm" name="logout" value="yes"');
    const done = await browser.follow(await browser.post(form!.action, { ...form!.fields, logout: 'yes' }));
    expect(done.status).toBe(200);
    expectStrictPage(done);
    expect(done.body).toContain('You are signed out');
    // Signed out: the next authorization asks for a password again.
    const next = await authorize(browser, app, t.fhirBase, SCOPE);
    expect(formsOf(next.page.body).some((f) => f.action.endsWith('/login'))).toBe(true);
  });
});

describe('consent', () => {
  it('lists the request in plain words, and an unticked scope is left out of the token', async () => {
    const user = await createUser(t, 'patient', `Patient/${patientId}`);
    const browser = new Browser(t.origin);
    const asked = `${SCOPE} patient/Condition.rs user/Observation.rs`;
    const auth = await authorize(browser, app, t.fhirBase, asked);
    const consent = await signIn(browser, auth.page, user.username);
    expectStrictPage(consent);
    const form = formEndingWith(consent, '/consent');
    expect(form.options.scope.sort()).toEqual(['patient/Observation.rs', 'patient/Patient.rs']);
    expect(form.fields.scope.sort()).toEqual(['patient/Observation.rs', 'patient/Patient.rs']);
    expect(consent.body).toContain('Read, search Observation data for the selected patient');
    expect(consent.body).toContain('Confirm who you are');
    expect(consent.body).toContain('Keep access while you are away, until you revoke it');
    expect(consent.body).toMatch(/Asked for but not available to this app[\s\S]*patient\/Condition\.rs[\s\S]*user\/Observation\.rs/);
    expect(consent.body).toContain('Patient: <strong>Amy Shaw</strong>, born 1987-02-20');
    const done = await allow(browser, consent, { scope: ['patient/Patient.rs'] });
    const tokens = await exchange(app, auth, callbackOf(done, app));
    const granted = tokens.scope!.split(' ');
    expect(granted).toContain('patient/Patient.rs');
    expect(granted).not.toContain('patient/Observation.rs');
    expect(granted).not.toContain('patient/Condition.rs');
    expect(granted).not.toContain('user/Observation.rs');
    expect(tokens.patient).toBe(patientId);
  });

  it('tells the app access_denied when the user denies', async () => {
    const user = await createUser(t, 'patient', `Patient/${patientId}`);
    const browser = new Browser(t.origin);
    const auth = await authorize(browser, app, t.fhirBase, SCOPE);
    const consent = await signIn(browser, auth.page, user.username);
    const done = await browser.submit(consent, '/abort');
    const callback = callbackOf(done, app);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('code')).toBeNull();
    expect(callback.searchParams.get('state')).toBe(auth.state);
  });
});

describe('style documents', () => {
  it('serves the stylesheet as CSS', async () => {
    const res = await fetch(`${t.origin}/smart/style.css`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/css/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('font');
  });

  it('serves the SMART styling document with every property', async () => {
    const res = await fetch(`${t.origin}/smart/smart-style.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const style = (await res.json()) as Record<string, string>;
    expect(Object.keys(style).sort()).toEqual(['color_background', 'color_error', 'color_highlight', 'color_modal_backdrop', 'color_success',
      'color_text', 'dim_border_radius', 'dim_font_size', 'dim_spacing_size', 'font_family_body', 'font_family_heading']);
  });
});
