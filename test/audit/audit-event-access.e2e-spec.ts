// AuditEvent over FHIR, answered from the audit trail through the access filter: a patient's token sees the
// records about its patient and no other patient's (names of others left out, marked REDACTED, as are the rules
// behind refusals); a backend service sees everything; search by patient, date, agent and entity, paging with a
// next link bound to the caller; and no client may create, change or delete an AuditEvent.
import * as client from 'openid-client';
import { Client as PgClient } from 'pg';
import { http } from '../support/clients';
import { startTestApp, TestApp } from '../support/test-app';
import { createUser, launchStandalone, registerApp, seed } from '../smart/support/smart-app';
import { AuditLog, Backend, registerBackend } from './support/audit-fixtures';

const SCOPE = 'openid fhirUser launch/patient patient/*.rs';

let t: TestApp;
let db: PgClient;
let log: AuditLog;
let backend: Backend;
let system: string;
let tokenA: string;
let tokenB: string;
let A: string;
let B: string;
let obsA: string;
let obsB: string;
let refusal: string;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const bundle = (res: { text: string }) => JSON.parse(res.text);
const ids = (b: any): string[] => (b.entry ?? []).filter((e: any) => e.search?.mode === 'match').map((e: any) => e.resource.id).sort();
const dbIds = async (sql: string, params: unknown[] = []): Promise<string[]> => {
  await log.flush();
  return (await db.query(sql, params)).rows.map((r) => r.id).sort();
};

beforeAll(async () => {
  t = await startTestApp({}, { realAuthentication: true });
  db = new PgClient({ connectionString: t.databaseUrl });
  await db.connect();
  log = new AuditLog(t, db);
  A = await seed(t, { resourceType: 'Patient', name: [{ family: 'Able' }] });
  B = await seed(t, { resourceType: 'Patient', name: [{ family: 'Baker' }] });
  obsA = await seed(t, { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${A}` } });
  obsB = await seed(t, { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${B}` } });
  backend = await registerBackend(t, 'system/*.cruds');
  system = (await client.clientCredentialsGrant(backend.config, { scope: 'system/*.cruds' })).access_token;
  const app = await registerApp(t, { scope: SCOPE });
  tokenA = (await launchStandalone(t, app, await createUser(t, 'patient', `Patient/${A}`), SCOPE)).tokens.access_token;
  tokenB = (await launchStandalone(t, app, await createUser(t, 'patient', `Patient/${B}`), SCOPE)).tokens.access_token;

  // Records about A only, B only, both, and a refusal of A's token.
  await http(t).get(`/fhir/Observation/${obsA}`).set(bearer(system));
  await http(t).get(`/fhir/Observation/${obsB}`).set(bearer(system));
  await http(t).get('/fhir/Observation?code:text=x').set(bearer(system));
  await http(t).get(`/fhir/Observation/${obsA}`).set(bearer(tokenA));
  await http(t).get(`/fhir/Observation/${obsB}`).set(bearer(tokenB));
  const refused = await http(t).get(`/fhir/Observation/${obsB}`).set(bearer(tokenA));
  expect(refused.status).toBe(404);
  refusal = (await log.ofRequest(refused)).id;
}, 60_000);
afterAll(async () => {
  await db.end();
  await t.close();
});

describe('a practitioner\'s token', () => {
  it('sees the records about its patients without the patients outside its reach', async () => {
    // the practitioner works at A's organization; B is elsewhere
    const clinic = await seed(t, { resourceType: 'Organization', name: 'Clinic' });
    const practitioner = await seed(t, { resourceType: 'Practitioner', name: [{ family: 'Quinn' }] });
    await seed(t, { resourceType: 'PractitionerRole', practitioner: { reference: `Practitioner/${practitioner}` }, organization: { reference: `Organization/${clinic}` } });
    const updated = await http(t).put(`/fhir/Patient/${A}`).set(bearer(system)).set('content-type', 'application/fhir+json')
      .send({ resourceType: 'Patient', id: A, name: [{ family: 'Able' }], managingOrganization: { reference: `Organization/${clinic}` } });
    expect(updated.status).toBe(200);
    const scope = 'openid fhirUser user/AuditEvent.rs';
    const app = await registerApp(t, { scope });
    const doctor = await createUser(t, 'practitioner', `Practitioner/${practitioner}`);
    const token = (await launchStandalone(t, app, doctor, scope)).tokens.access_token;

    const aboutBoth = await dbIds("SELECT id FROM audit_event WHERE compartments @> ARRAY['Patient/' || $1, 'Patient/' || $2]", [A, B]);
    expect(aboutBoth.length).toBeGreaterThan(0);
    const found = bundle(await http(t).get(`/fhir/AuditEvent?patient=Patient/${A}&_count=1000`).set(bearer(token)));
    expect(ids(found)).toEqual(expect.arrayContaining(aboutBoth));
    const text = JSON.stringify(found.entry);
    expect(text).toContain(`Patient/${A}`);
    expect(text).not.toContain(`Patient/${B}`);
    // nor can it find records by the patient it may not see
    expect(ids(bundle(await http(t).get(`/fhir/AuditEvent?patient=Patient/${B}&_count=1000`).set(bearer(token))))).toEqual([]);
  });
});

describe('a patient token', () => {
  it('finds exactly the records about its patient, with other patients left out', async () => {
    const expected = await dbIds("SELECT id FROM audit_event WHERE compartments @> ARRAY['Patient/' || $1]", [A]);
    expect(expected.length).toBeGreaterThan(5);
    const res = await http(t).get(`/fhir/AuditEvent?patient=Patient/${A}&_count=1000`).set(bearer(tokenA));
    expect(res.status).toBe(200);
    const found = bundle(res);
    expect(ids(found)).toEqual(expected);
    for (const entry of found.entry) {
      const text = JSON.stringify(entry.resource);
      expect(text).toContain(`Patient/${A}`);
      expect(text).not.toContain(B);
    }
    // The search by the backend service named both patients: A's token gets it without B.
    const shared = found.entry.find((e: any) => e.resource.subtype[0].code === 'search-type' && e.resource.agent[0].who.identifier?.value === backend.clientId);
    expect(shared.resource.meta.security).toEqual([expect.objectContaining({ code: 'REDACTED' })]);
    // Without the parameter the filter gives the same.
    expect(ids(bundle(await http(t).get('/fhir/AuditEvent?_count=1000').set(bearer(tokenA))))).toEqual(expected);
  });

  it('sees its refused lookup of a hidden resource exactly as its lookup of a missing one', async () => {
    const missing = await http(t).get('/fhir/Observation/no-such-observation').set(bearer(tokenA));
    expect(missing.status).toBe(404);
    const missingRecord = (await log.ofRequest(missing)).id;
    const view = async (id: string) => {
      const event = bundle(await http(t).get(`/fhir/AuditEvent/${id}`).set(bearer(tokenA)));
      // what differs between any two records: their ids, times, request ids and the resource asked for
      const { id: _id, meta: { security }, recorded: _r, period: _p, entity, agent, ...rest } = event;
      return { security, rest, agents: agent.map((a: any) => Object.keys(a).sort()), entities: entity.map((e: any) => Object.keys(e).sort()) };
    };
    expect(await view(refusal)).toEqual(await view(missingRecord));
  });

  it('gets the same records through a batch Bundle, and 404 for another patient\'s record there too', async () => {
    const onlyB = await dbIds("SELECT id FROM audit_event WHERE compartments @> ARRAY['Patient/' || $1] AND NOT compartments @> ARRAY['Patient/' || $2]", [B, A]);
    const direct = ids(bundle(await http(t).get(`/fhir/AuditEvent?patient=Patient/${A}&_count=1000`).set(bearer(tokenA))));
    const res = await http(t).post('/fhir').set(bearer(tokenA)).set('content-type', 'application/fhir+json').send({
      resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'GET', url: `AuditEvent?patient=Patient/${A}&_count=1000` } },
        { request: { method: 'GET', url: `AuditEvent/${onlyB[0]}` } },
      ],
    });
    expect(res.status).toBe(200);
    const [search, read] = JSON.parse(res.text).entry;
    expect(search.response.status).toBe('200 OK');
    // the batch ran after the direct search, which is itself recorded: the batch sees at least those
    expect(ids(search.resource)).toEqual(expect.arrayContaining(direct));
    expect(JSON.stringify(search.resource)).not.toContain(`Patient/${B}"`);
    expect(read.response.status).toMatch(/^404/);
  });

  it('finds none of another patient\'s records', async () => {
    const aboutBoth = await dbIds("SELECT id FROM audit_event WHERE compartments @> ARRAY['Patient/' || $1, 'Patient/' || $2]", [A, B]);
    expect(aboutBoth.length).toBeGreaterThan(0); // the backend service's search of both patients' records
    // Searching by the other patient matches nothing, not even the records about both: a search must not confirm
    // who else is in a record the view leaves them out of.
    const res = bundle(await http(t).get(`/fhir/AuditEvent?patient=${B}&_count=1000`).set(bearer(tokenA)));
    expect(ids(res)).toEqual([]);
    expect(ids(bundle(await http(t).get(`/fhir/AuditEvent?agent=Patient/${B}&_count=1000`).set(bearer(tokenA))))).toEqual([]);
    expect(ids(bundle(await http(t).get(`/fhir/AuditEvent?entity=Patient/${B}&_count=1000`).set(bearer(tokenA))))).toEqual([]);
    expect(JSON.stringify(res.entry ?? [])).not.toContain(`Patient/${B}`);
    const onlyB = await dbIds("SELECT id FROM audit_event WHERE compartments @> ARRAY['Patient/' || $1] AND NOT compartments @> ARRAY['Patient/' || $2]", [B, A]);
    expect(onlyB.length).toBeGreaterThan(0);
    const read = await http(t).get(`/fhir/AuditEvent/${onlyB[0]}`).set(bearer(tokenA));
    expect(read.status).toBe(404);
    expect((await http(t).get(`/fhir/AuditEvent/${onlyB[0]}`).set(bearer(tokenB))).status).toBe(200);
    // Reading the audit trail is itself recorded, about the reader's own patient only.
    expect(await dbIds("SELECT id FROM audit_event WHERE compartments @> ARRAY['Patient/' || $1, 'Patient/' || $2]", [A, B])).toEqual(aboutBoth);
  });

  it('reads a refusal of its own request without the rule behind it, which the backend service sees', async () => {
    const own = JSON.parse((await http(t).get(`/fhir/AuditEvent/${refusal}`).set(bearer(tokenA))).text);
    expect(own).toMatchObject({ id: refusal, outcome: '4', outcomeDesc: '404 resource-not-found', meta: { security: [{ code: 'REDACTED' }] } });
    expect(JSON.stringify(own)).not.toMatch(/outside-compartment|access-rule/);
    const full = JSON.parse((await http(t).get(`/fhir/AuditEvent/${refusal}`).set(bearer(system))).text);
    expect(full.outcomeDesc).toMatch(/; access rule outside-compartment: /);
    expect(full.meta.security).toBeUndefined();
  });
});

describe('search', () => {
  it('pages newest first with next links bound to the caller', async () => {
    const all = await dbIds('SELECT id FROM audit_event');
    const seen: string[] = [];
    let url: string | undefined = `/fhir/AuditEvent?_count=4`;
    let first: any;
    while (url) {
      const page = bundle(await http(t).get(url).set(bearer(system)));
      first ??= page;
      seen.push(...ids(page));
      const next = page.link.find((l: any) => l.relation === 'next')?.url;
      url = next ? new URL(next).pathname + new URL(next).search : undefined;
    }
    expect(seen.sort()).toEqual(all);
    const recorded = first.entry.map((e: any) => e.resource.recorded);
    expect([...recorded].sort().reverse()).toEqual(recorded);
    const next = new URL(first.link.find((l: any) => l.relation === 'next').url);
    const stolen = await http(t).get(next.pathname + next.search).set(bearer(tokenA));
    expect(stolen.status).toBe(400);
    expect(JSON.parse(stolen.text).issue[0].details.coding[0].code).toBe('invalid-cursor');
  });

  it('by date, agent and entity', async () => {
    const sys = bearer(system);
    expect(ids(bundle(await http(t).get('/fhir/AuditEvent?date=lt2000-01-01').set(sys)))).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(ids(bundle(await http(t).get(`/fhir/AuditEvent?date=${today}&_count=1000`).set(sys))).length).toBeGreaterThan(5);
    expect((await http(t).get('/fhir/AuditEvent?date=yesterday').set(sys)).status).toBe(400);

    const byClient = await dbIds("SELECT id FROM audit_event WHERE agents @> ARRAY['urn:fhir-server:client|' || $1]", [backend.clientId]);
    const found = ids(bundle(await http(t).get(`/fhir/AuditEvent?agent:identifier=urn:fhir-server:client|${backend.clientId}&_count=1000`).set(sys)));
    expect(found).toEqual(byClient.filter((id) => found.includes(id)));
    expect(found.length).toBe(byClient.length);
    const aboutObsA = ids(bundle(await http(t).get(`/fhir/AuditEvent?entity=Observation/${obsA}`).set(sys)));
    expect(aboutObsA).toEqual(await dbIds("SELECT id FROM audit_event WHERE entities @> ARRAY['Observation/' || $1]", [obsA]));
    expect(aboutObsA.length).toBe(2);
  });

  it('reports a parameter it does not serve, and refuses it under strict handling', async () => {
    const lenient = bundle(await http(t).get('/fhir/AuditEvent?action=R&_count=1').set(bearer(system)));
    expect(lenient.entry.at(-1)).toMatchObject({ search: { mode: 'outcome' }, resource: { issue: [{ expression: ['action'] }] } });
    const strict = await http(t).get('/fhir/AuditEvent?action=R').set(bearer(system)).set('prefer', 'handling=strict');
    expect(strict.status).toBe(400);
  });
});

describe('writes', () => {
  it.each([
    ['POST', '/fhir/AuditEvent'], ['PUT', '/fhir/AuditEvent/x'], ['PATCH', '/fhir/AuditEvent/x'], ['DELETE', '/fhir/AuditEvent/x'],
    ['PUT', '/fhir/AuditEvent?patient=x'], ['DELETE', '/fhir/AuditEvent?patient=x'], ['GET', '/fhir/AuditEvent/_history'],
  ])('%s %s answers 405 even to a token with every system permission', async (method, path) => {
    const req = http(t)[method.toLowerCase() as 'get'](path).set(bearer(system));
    const res = await (method === 'GET' || method === 'DELETE' ? req
      : req.set('content-type', method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json')
        .send(method === 'PATCH' ? '[]' : JSON.stringify({ resourceType: 'AuditEvent', id: 'x' })));
    expect(res.status).toBe(405);
    expect(JSON.parse(res.text).resourceType).toBe('OperationOutcome');
  });

  it('lists AuditEvent with read and search-type only, and the parameters served', async () => {
    const cs = JSON.parse((await http(t).get('/fhir/metadata')).text);
    const audit = cs.rest[0].resource.find((r: any) => r.type === 'AuditEvent');
    expect(audit.interaction.map((i: any) => i.code)).toEqual(['read', 'search-type']);
    expect(audit.searchParam.map((p: any) => p.name).sort()).toEqual(['_id', 'agent', 'date', 'entity', 'patient']);
    expect(audit.searchInclude).toEqual([]);
  });
});
