// Reads the Synthea transaction bundles of test/fixtures/synthea as plain resources with server-relative
// references, and loads resources into a running server with PUT, a few requests at a time.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AUTH } from '../../support/test-app';

export type Resource = { resourceType: string; id: string; [key: string]: any };

export const SYNTHEA_DIR = path.join(__dirname, '..', '..', 'fixtures', 'synthea');

interface BundleEntry {
  fullUrl: string;
  resource: Resource;
}

/** Replaces every `reference: "urn:uuid:X"` (at any depth, contained resources included) with `Type/X`. */
function rewriteReferences(value: unknown, typeOf: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, typeOf));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'reference' && typeof v === 'string' && v.startsWith('urn:uuid:')) {
      const uuid = v.slice('urn:uuid:'.length);
      const type = typeOf.get(uuid);
      if (!type) throw new Error(`Unresolved reference ${v}`);
      out[key] = `${type}/${uuid}`;
    } else {
      out[key] = rewriteReferences(v, typeOf);
    }
  }
  return out;
}

/** Every resource of the fixture bundles, once per id, with its id taken from the entry's fullUrl. */
export function readSyntheaResources(dir = SYNTHEA_DIR): Resource[] {
  const entries: BundleEntry[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const bundle = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { entry: BundleEntry[] };
    entries.push(...bundle.entry);
  }
  const typeOf = new Map<string, string>();
  for (const e of entries) {
    if (!e.fullUrl.startsWith('urn:uuid:')) throw new Error(`Unexpected fullUrl ${e.fullUrl}`);
    typeOf.set(e.fullUrl.slice('urn:uuid:'.length), e.resource.resourceType);
  }
  const byKey = new Map<string, Resource>();
  for (const e of entries) {
    const id = e.fullUrl.slice('urn:uuid:'.length);
    const resource = rewriteReferences({ ...e.resource, id }, typeOf) as Resource;
    byKey.set(`${resource.resourceType}/${id}`, resource);
  }
  return [...byKey.values()];
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** PUTs each resource at [base]/[type]/[id]; fails on the first answer that is not 200 or 201. */
export async function putAll(fhirBase: string, resources: Resource[], limit = 8): Promise<void> {
  await inParallel(resources, limit, async (r) => {
    const res = await fetch(`${fhirBase}/${r.resourceType}/${r.id}`, {
      method: 'PUT',
      headers: { ...AUTH, 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
      body: JSON.stringify(r),
    });
    const text = await res.text();
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(`PUT ${r.resourceType}/${r.id} answered ${res.status}: ${text.slice(0, 2000)}`);
    }
  });
}
