// History of an instance, a type and the server: newest first, _count, _since, paging links.

import { fhirClient, FhirClient, http } from '../support/clients';
import { AUTH, OTHER_AUTH, startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let client: FhirClient;
beforeAll(async () => {
  t = await startTestApp();
  client = fhirClient(t);
});
afterAll(() => t.close());

const obs = (value: number) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'weight' },
  valueQuantity: { value, unit: 'kg' },
});

it('instance history lists every version newest first, each with request and response', async () => {
  const created = await client.create({ resourceType: 'Observation', body: obs(70) });
  await client.update({ resourceType: 'Observation', id: created.id!, body: { ...created, valueQuantity: { value: 71, unit: 'kg' } } });
  await client.patch({ resourceType: 'Observation', id: created.id!, jsonPatch: [{ op: 'replace', path: '/valueQuantity/value', value: 72 }] });
  const history = await client.history({ resourceType: 'Observation', id: created.id! }) as any;
  expect(history.resourceType).toBe('Bundle');
  expect(history.type).toBe('history');
  expect(history.total).toBe(3);
  expect(history.entry.map((e: any) => e.resource.meta.versionId)).toEqual(['3', '2', '1']);
  expect(history.entry.map((e: any) => e.resource.valueQuantity.value)).toEqual([72, 71, 70]);
  expect(history.entry.map((e: any) => e.request.method)).toEqual(['PATCH', 'PUT', 'POST']);
  expect(history.entry[0].fullUrl).toBe(`${t.fhirBase}/Observation/${created.id}`);
  expect(history.entry[0].response).toMatchObject({ status: '200 OK', etag: 'W/"3"' });
  expect(history.entry[2].response.status).toBe('201 Created');
});

it('type history pages with _count and next links until the last page', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await client.create({ resourceType: 'Medication', body: { resourceType: 'Medication', code: { text: `m${i}` } } })).id!);
  let page = await client.request('Medication/_history?_count=2');
  const seen: string[] = [];
  let pages = 0;
  while (page) {
    pages++;
    expect(page.entry.length).toBeLessThanOrEqual(2);
    seen.push(...page.entry.map((e: any) => e.resource.id));
    page = await client.nextPage({ bundle: page });
  }
  expect(pages).toBe(3);
  expect(seen).toEqual([...ids].reverse());
});

it('_since keeps only versions at or after the instant', async () => {
  const first = await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', active: true } });
  await new Promise((r) => setTimeout(r, 20));
  const cut = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 20));
  await client.update({ resourceType: 'Patient', id: first.id!, body: { ...first, active: false } });
  const res = await http(t).get(`/fhir/Patient/${first.id}/_history`).query({ _since: cut }).set(AUTH);
  const bundle = JSON.parse(res.text);
  expect(bundle.entry.map((e: any) => e.resource.meta.versionId)).toEqual(['2']);
  expect(bundle.total).toBe(1);
});

it('paging links stay correct while new versions are written', async () => {
  for (let i = 0; i < 3; i++) await client.create({ resourceType: 'Substance', body: { resourceType: 'Substance', code: { text: `s${i}` } } });
  const first = JSON.parse((await http(t).get('/fhir/Substance/_history?_count=2').set(AUTH)).text);
  await client.create({ resourceType: 'Substance', body: { resourceType: 'Substance', code: { text: 'late' } } });
  const nextUrl = first.link.find((l: any) => l.relation === 'next').url as string;
  expect(nextUrl.startsWith(`${t.fhirBase}/Substance/_history?`)).toBe(true);
  const second = JSON.parse((await http(t).get(nextUrl.slice(t.origin.length)).set(AUTH)).text);
  expect(second.entry.map((e: any) => e.resource.code.text)).toEqual(['s0']);
});

it('history cursors are signed and bound: edited, used by another caller or on another listing, they are refused', async () => {
  const first = JSON.parse((await http(t).get('/fhir/Substance/_history?_count=1').set(AUTH)).text);
  const next = new URL(first.link.find((l: any) => l.relation === 'next').url as string);
  const cursor = next.searchParams.get('_cursor')!;
  expect(cursor).not.toMatch(/^[0-9]+$/);
  const ask = async (path: string, value: string, auth = AUTH) =>
    http(t).get(path).query({ _count: '1', _cursor: value }).set(auth);
  expect((await ask('/fhir/Substance/_history', cursor)).status).toBe(200);
  const [payload, signature] = cursor.split('.');
  const edited = Buffer.from(JSON.stringify([0, '1', []])).toString('base64url');
  for (const [path, value, auth] of [
    ['/fhir/Substance/_history', `${edited}.${signature}`, AUTH],
    ['/fhir/Substance/_history', cursor, OTHER_AUTH],
    ['/fhir/Observation/_history', cursor, AUTH],
    ['/fhir/_history', `${payload}.${signature}`, AUTH],
  ] as const) {
    const res = await ask(path, value, auth);
    expect([path, res.status]).toEqual([path, 400]);
    expect(JSON.parse(res.text).issue[0].details.coding[0].code).toBe('invalid-cursor');
  }
});

it('_count=0 answers an empty page, with the total for an instance', async () => {
  const created = await client.create({ resourceType: 'Observation', body: obs(60) });
  for (const path of [`/fhir/Observation/${created.id}/_history`, '/fhir/Observation/_history', '/fhir/_history']) {
    const res = await http(t).get(`${path}?_count=0`).set(AUTH);
    expect(res.status).toBe(200);
    const bundle = JSON.parse(res.text);
    expect(bundle.entry).toEqual([]);
    expect(bundle.link.map((l: any) => l.relation)).toEqual(['self', 'first']);
  }
  expect(JSON.parse((await http(t).get(`/fhir/Observation/${created.id}/_history?_count=0`).set(AUTH)).text).total).toBe(1);
});

it('understands an unencoded "+" in a _since offset', async () => {
  const created = await client.create({ resourceType: 'Observation', body: obs(61) });
  const res = await http(t).get(`/fhir/Observation/${created.id}/_history?_since=2000-01-01T00:00:00+01:00`).set(AUTH);
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text).total).toBe(1);
});

it('history of an unknown instance is a 404; of a type with none, an empty Bundle', async () => {
  expect((await http(t).get('/fhir/Patient/nobody/_history').set(AUTH)).status).toBe(404);
  const res = await http(t).get('/fhir/Contract/_history').set(AUTH);
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text).entry).toEqual([]);
});

it('system history includes every type', async () => {
  const res = await http(t).get('/fhir/_history?_count=1000').set(AUTH);
  const types = new Set(JSON.parse(res.text).entry.map((e: any) => e.resource?.resourceType ?? e.fullUrl.split('/').slice(-2)[0]));
  expect([...types].sort()).toEqual(['Medication', 'Observation', 'Patient', 'Substance']);
});
