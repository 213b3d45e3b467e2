// The practitioner rule where a launch is decided: under the default rule (patients of the practitioner's
// organization, or assigned to the practitioner) the launcher and the consent page's picker find and accept only
// those patients, so no practitioner can hand an app patient/ scopes on a record the practitioner may not see;
// the token then reads that record and not another. Real sign-in, consent and code exchange.
import { AppUser } from '../../src/smart/users.repository';
import { Browser, formEndingWith } from '../smart/support/browser';
import { allow, authorize, callbackOf, createUser, exchange, PASSWORD, registerApp, seed, signIn, TestSmartApp } from '../smart/support/smart-app';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let doctor: AppUser;
let inOrganization: string;
let assigned: string;
let elsewhere: string;
let app: TestSmartApp;
let ehrApp: TestSmartApp;

const SCOPE = 'openid fhirUser launch/patient patient/Patient.rs patient/Observation.rs user/Patient.rs';

beforeAll(async () => {
  t = await startTestApp({}, { realAuthentication: true });
  const clinic = await seed(t, { resourceType: 'Organization', name: 'Northside Clinic' });
  const other = await seed(t, { resourceType: 'Organization', name: 'Southside Clinic' });
  const practitioner = await seed(t, { resourceType: 'Practitioner', name: [{ family: 'Quinn' }] });
  await seed(t, { resourceType: 'PractitionerRole', practitioner: { reference: `Practitioner/${practitioner}` }, organization: { reference: `Organization/${clinic}` } });
  const patient = (given: string, extra: object) => seed(t, { resourceType: 'Patient', name: [{ family: 'Rivera', given: [given] }], ...extra });
  inOrganization = await patient('Ann', { managingOrganization: { reference: `Organization/${clinic}` } });
  assigned = await patient('Ben', { generalPractitioner: [{ reference: `Practitioner/${practitioner}` }] });
  elsewhere = await patient('Cat', { managingOrganization: { reference: `Organization/${other}` } });
  for (const subject of [inOrganization, elsewhere]) {
    await seed(t, { resourceType: 'Observation', status: 'final', code: { text: `weight of ${subject}` }, subject: { reference: `Patient/${subject}` } });
  }
  doctor = await createUser(t, 'practitioner', `Practitioner/${practitioner}`);
  app = await registerApp(t, { name: 'Chart App', scope: SCOPE, redirectUri: 'https://chart.example/cb' });
  ehrApp = await registerApp(t, { name: 'EHR App', scope: 'openid launch patient/*.rs', redirectUri: 'https://ehr.example/cb', launchUri: 'https://ehr.example/launch' });
}, 60_000);
afterAll(() => t.close());

async function fhirGet(path: string, token: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.fhirBase}/${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
  return { status: res.status, body: await res.json() };
}

describe('the consent page picker', () => {
  it('offers only the practitioner\'s patients and refuses another one sent by hand', async () => {
    const browser = new Browser(t.origin);
    const auth = await authorize(browser, app, t.fhirBase, SCOPE);
    const consent = await signIn(browser, auth.page, doctor.username);
    const found = await browser.get(`${new URL(consent.url).pathname}?name=rivera`);
    expect(formEndingWith(found, '/consent').options.patient.sort()).toEqual([inOrganization, assigned].sort());
    expect(found.body).not.toContain('Cat Rivera');

    const refused = await allow(browser, found, { patient: elsewhere });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('Choose the patient');
  });

  it('gives a token that reads the picked patient\'s record and nothing of another patient\'s', async () => {
    const browser = new Browser(t.origin);
    const auth = await authorize(browser, app, t.fhirBase, SCOPE);
    const consent = await signIn(browser, auth.page, doctor.username);
    const found = await browser.get(`${new URL(consent.url).pathname}?name=rivera`);
    const tokens = await exchange(app, auth, callbackOf(await allow(browser, found, { patient: inOrganization }), app));
    expect(tokens.patient).toBe(inOrganization);
    const token = tokens.access_token;

    const own = await fhirGet(`Observation?subject=Patient/${inOrganization}`, token);
    expect(own.status).toBe(200);
    expect(own.body.entry).toHaveLength(1);
    const foreign = await fhirGet(`Observation?subject=Patient/${elsewhere}`, token);
    expect(foreign.body.entry ?? []).toHaveLength(0);
    expect(foreign.body.total).toBe(0);
    expect((await fhirGet(`Patient/${elsewhere}`, token)).status).toBe(404);
    // user/Patient.rs: the practitioner's patients, but not the other clinic's
    const patients = await fhirGet('Patient?family=rivera', token);
    expect(patients.body.entry.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual([inOrganization, assigned].sort());
  });
});

describe('the EHR launcher', () => {
  it('finds only the practitioner\'s patients and refuses to launch on another one', async () => {
    const browser = new Browser(t.origin);
    const login = await browser.get('/smart/launch');
    await browser.submit(login, '/smart/launch/login', { username: doctor.username, password: PASSWORD });
    const found = await browser.get('/smart/launch?name=rivera');
    const form = formEndingWith(found, '/smart/launch');
    expect(form.options.patient.sort()).toEqual([inOrganization, assigned].sort());

    const refused = await browser.post(form.action, { ...form.fields, patient: elsewhere, client_id: ehrApp.clientId });
    expect(refused.status).toBe(400);
    const launched = await browser.post(form.action, { ...form.fields, patient: assigned, client_id: ehrApp.clientId });
    expect(launched.status).toBe(303);
  });
});
