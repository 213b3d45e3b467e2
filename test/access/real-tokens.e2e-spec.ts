// A slice of the authorization matrix run with tokens the authorization server itself issued: a patient's
// from a standalone launch (sign-in, consent, code exchange with PKCE) and a backend service's from
// client_credentials with a signed assertion; then the patient's token revoked at /auth/token/revocation and
// refused everywhere. The minted tokens of the other files must behave exactly like these.
// https://hl7.org/fhir/smart-app-launch/app-launch.html https://hl7.org/fhir/smart-app-launch/backend-services.html
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { launchStandalone, registerApp, TestSmartApp } from '../smart/support/smart-app';
import { startWorld, World } from './support/access-world';
import { MatrixRunner, Probe } from './support/matrix-runner';
import { findProbes, instanceProbes, systemHistoryProbe, typeProbes } from './support/read-probes';
import { scenarioProbe, SCENARIOS } from './support/search-scenarios';
import { KindName } from './support/token-kinds';
import { writeCases } from './support/write-case-table';
import { WRITE_TYPES, WriteMatrix } from './support/write-cases';

const PATIENT_SCOPE = 'openid fhirUser launch/patient patient/*.cruds';
let w: World;
let runner: MatrixRunner;
let app: TestSmartApp;

function readSlice(kind: KindName): Probe[] {
  const types = [...new Set(w.book.all().map((o) => o.type))];
  return [
    ...w.book.all().flatMap((o) => [...instanceProbes(w, kind, o), ...findProbes(w, kind, o)]),
    ...types.flatMap((type) => typeProbes(w, kind, type)), systemHistoryProbe(w, kind),
    ...SCENARIOS.map((s) => scenarioProbe(w, kind, s)),
  ];
}

beforeAll(async () => {
  w = await startWorld();
  runner = new MatrixRunner(w);
  app = await registerApp(w.t, { name: 'Matrix patient app', scope: PATIENT_SCOPE });
  const { tokens } = await launchStandalone(w.t, app, w.users.patientA, PATIENT_SCOPE);
  expect(tokens.patient).toBe(w.patientId.A);
  expect(tokens.scope!.split(' ')).toContain('patient/*.cruds');
  w.tokens.patientA = tokens.access_token;

  const backend = await client.discovery(new URL(`${w.t.origin}/auth`), w.backend.clientId, undefined,
    client.PrivateKeyJwt({ key: w.backend.privateKey, kid: w.backend.kid }, { [client.modifyAssertion]: (_h, payload) => { payload.aud = `${w.t.origin}/auth/token`; } }),
    { execute: [client.allowInsecureRequests] });
  const grant = await client.clientCredentialsGrant(backend, { scope: 'system/Observation.rs' });
  expect(grant.scope).toBe('system/Observation.rs');
  w.tokens.backendNarrow = grant.access_token;
}, 120_000);

afterAll(async () => {
  console.log(`real-tokens matrix: ${runner.count} cases`);
  await w.t.close();
});

it('issued tokens of the same shape as the minted ones', () => {
  const patient = decodeJwt(w.tokens.patientA!);
  expect(patient).toMatchObject({ iss: `${w.t.origin}/auth`, aud: w.t.fhirBase, sub: w.users.patientA.id, client_id: app.clientId, patient: w.patientId.A });
  expect(typeof patient.gid).toBe('string');
  expect(decodeJwt(w.tokens.backendNarrow!)).toMatchObject({ sub: w.backend.clientId, client_id: w.backend.clientId, scope: 'system/Observation.rs' });
});

it.each(['patientA', 'backendNarrow'] as KindName[])('a real %s token reads, searches, includes and chains exactly as the matrix expects', async (kind) => {
  expect(await runner.run(readSlice(kind))).toEqual([]);
});

it('a real patient token writes only into its own record', async () => {
  // seeded only now: the searches above count on the seeded world alone
  const matrix = new WriteMatrix(w, runner);
  const writes = WRITE_TYPES.flatMap((wt) => writeCases(matrix, 'patientA', wt));
  await matrix.seedTargets();
  expect(await matrix.run(writes)).toEqual([]);
});

it('a real patient token revoked at the revocation endpoint is refused on every path at once', async () => {
  const res = await fetch(`${w.t.origin}/auth/token/revocation`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: w.tokens.patientA!, client_id: app.clientId }).toString(),
  });
  expect(res.status).toBe(200);
  w.tokens.revoked = w.tokens.patientA;
  expect(await runner.run(readSlice('revoked'))).toEqual([]);
});
