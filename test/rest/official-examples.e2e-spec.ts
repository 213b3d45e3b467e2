// Every official R4 and US Core example in test/fixtures is accepted and reads back equal apart from meta.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { http } from '../support/clients';
import { AUTH, startTestApp, TestApp } from '../support/test-app';

const root = path.join(__dirname, '..', 'fixtures', 'fhir-examples');
const files = ['r4-core', 'us-core-3.0.0-prerelease'].flatMap((dir) =>
  fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.json')).map((f) => path.join(dir, f)));

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ FHIR_UPDATE_CREATE: 'true' });
});
afterAll(() => t.close());

function withoutMeta(resource: Record<string, unknown>, dropId = false) {
  const { meta: _meta, id, ...rest } = resource;
  return dropId ? rest : { id, ...rest };
}

it('covers the whole fixture set', () => {
  expect(files.length).toBe(89);
});

// Both sets hold an Observation/bmi and a Patient/example: the second PUT of an id updates (200).
const seenIds = new Set<string>();

describe.each(files)('%s', (file) => {
  const example = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown> & { resourceType: string; id: string };
  const stored = (text: string) => JSON.parse(text) as Record<string, unknown>;

  it('is stored under its own id by PUT and reads back equal apart from meta', async () => {
    const key = `${example.resourceType}/${example.id}`;
    const expectedStatus = seenIds.has(key) ? 200 : 201;
    seenIds.add(key);
    const put = await http(t).put(`/fhir/${example.resourceType}/${example.id}`).set(AUTH)
      .set('content-type', 'application/fhir+json').send(JSON.stringify(example));
    expect({ status: put.status, outcome: put.status < 300 ? undefined : stored(put.text) }).toEqual({ status: expectedStatus, outcome: undefined });
    const read = await http(t).get(`/fhir/${example.resourceType}/${example.id}`).set(AUTH);
    expect(withoutMeta(stored(read.text))).toEqual(withoutMeta(example));
    const meta = stored(read.text).meta as Record<string, unknown>;
    const sentMeta = (example.meta ?? {}) as Record<string, unknown>;
    expect({ ...meta, versionId: undefined, lastUpdated: undefined }).toEqual({ ...sentMeta, versionId: undefined, lastUpdated: undefined });
  });

  it('is accepted by POST and reads back equal apart from id and meta', async () => {
    const post = await http(t).post(`/fhir/${example.resourceType}`).set(AUTH)
      .set('content-type', 'application/fhir+json').send(JSON.stringify(example));
    expect(post.status).toBe(201);
    const read = await http(t).get(new URL(post.headers.location).pathname.replace(/\/_history\/1$/, '')).set(AUTH);
    expect(withoutMeta(stored(read.text), true)).toEqual(withoutMeta(example, true));
  });
});
