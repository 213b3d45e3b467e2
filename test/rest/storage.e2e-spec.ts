// What the versioned store keeps for every write: current row, every version, index rows and compartment keys,
// all in one transaction.
import { Client as PgClient } from 'pg';
import { fhirClient, FhirClient, http } from '../support/clients';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let client: FhirClient;
let db: PgClient;
beforeAll(async () => {
  t = await startTestApp();
  client = fhirClient(t);
  db = new PgClient({ connectionString: t.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await t.close();
});

const rows = async (sql: string, params: unknown[]) => (await db.query(sql, params)).rows;

it('keys every version with the patients it belongs to, from the Patient CompartmentDefinition', async () => {
  const patient = await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', active: true } });
  expect(await rows('SELECT compartments FROM resource WHERE resource_type = $1 AND id = $2', ['Patient', patient.id]))
    .toEqual([{ compartments: [`Patient/${patient.id}`] }]);

  const obs = await client.create({
    resourceType: 'Observation',
    body: {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'pulse' },
      subject: { reference: `Patient/${patient.id}` },
      // performer is a compartment parameter too; an absolute reference to this server counts, another server's does not
      performer: [{ reference: `${t.fhirBase}/Patient/other-1` }, { reference: 'https://elsewhere.example/fhir/Patient/x' },
        { reference: 'Practitioner/p1' }],
    },
  });
  expect(await rows('SELECT compartments FROM resource WHERE id = $1', [obs.id]))
    .toEqual([{ compartments: [`Patient/${patient.id}`, 'Patient/other-1'].sort() }]);

  await client.update({ resourceType: 'Observation', id: obs.id, body: { ...obs, performer: undefined, subject: { reference: 'Patient/moved' } } });
  await client.delete({ resourceType: 'Observation', id: obs.id });
  expect(await rows('SELECT version_id, compartments FROM resource_history WHERE id = $1 ORDER BY version_id', [obs.id])).toEqual([
    { version_id: 1, compartments: [`Patient/${patient.id}`, 'Patient/other-1'].sort() },
    { version_id: 2, compartments: ['Patient/moved'] },
    { version_id: 3, compartments: ['Patient/moved'] },
  ]);
});

it('writes index rows with the resource and replaces them with each version', async () => {
  const tagged = await client.create({
    resourceType: 'Medication',
    body: { resourceType: 'Medication', meta: { tag: [{ system: 'http://example.org/t', code: 'a' }], profile: ['http://example.org/p'] } },
  });
  expect(await rows('SELECT param, system, code FROM search_token WHERE resource_id = $1', [tagged.id]))
    .toEqual([{ param: '_tag', system: 'http://example.org/t', code: 'a' }]);
  expect(await rows('SELECT param, value FROM search_uri WHERE resource_id = $1', [tagged.id])).toEqual([{ param: '_profile', value: 'http://example.org/p' }]);
  await client.update({ resourceType: 'Medication', id: tagged.id, body: { ...tagged, meta: { tag: [{ code: 'b' }] } } });
  expect(await rows('SELECT param, system, code FROM search_token WHERE resource_id = $1', [tagged.id])).toEqual([{ param: '_tag', system: null, code: 'b' }]);
  expect(await rows('SELECT count(*)::int AS n FROM search_uri WHERE resource_id = $1', [tagged.id])).toEqual([{ n: 0 }]);
  await client.delete({ resourceType: 'Medication', id: tagged.id });
  expect(await rows('SELECT count(*)::int AS n FROM search_token WHERE resource_id = $1', [tagged.id])).toEqual([{ n: 0 }]);
});

it('writes nothing when any part of a write fails', async () => {
  const before = await rows('SELECT (SELECT count(*) FROM resource)::int AS r, (SELECT count(*) FROM resource_history)::int AS h', []);
  // An index row that violates a constraint makes the whole write fail: no current row, no history row.
  await db.query('ALTER TABLE search_uri ADD CONSTRAINT no_bad_profiles CHECK (value <> $$http://example.org/poison$$)');
  try {
    const res = await http(t).post('/fhir/Medication').set(AUTH).set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Medication', meta: { profile: ['http://example.org/poison'] } }));
    expect(res.status).toBe(500);
  } finally {
    await db.query('ALTER TABLE search_uri DROP CONSTRAINT no_bad_profiles');
  }
  expect(await rows('SELECT (SELECT count(*) FROM resource)::int AS r, (SELECT count(*) FROM resource_history)::int AS h', [])).toEqual(before);
});

it('serialises concurrent updates of one resource: every version is kept, none is lost', async () => {
  const created = await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', active: true } });
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    http(t).put(`/fhir/Patient/${created.id}`).set(AUTH).set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', id: created.id, name: [{ family: `n${i}` }] }))));
  expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
  expect(results.map((r) => r.headers.etag).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `W/"${i + 2}"`).sort());
  const history = await client.history({ resourceType: 'Patient', id: created.id });
  expect(history.total).toBe(13);
});

it('lets exactly one of several racing If-Match updates win', async () => {
  const created = await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', active: true } });
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    http(t).put(`/fhir/Patient/${created.id}`).set(AUTH).set('if-match', 'W/"1"').set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', id: created.id, name: [{ family: `racer${i}` }] }))));
  expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
});
