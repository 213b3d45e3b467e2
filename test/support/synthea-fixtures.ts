// The Synthea fixtures of test/fixtures/synthea-import, and the newer Synthea Bundle style built from its NDJSON:
// Organizations, Locations and Practitioners in batch Bundles with If-None-Exist on their identifier, and one
// transaction Bundle per patient whose in-bundle references are urn:uuid fullUrls and whose references to
// practitioners, organizations and locations stay conditional (`Practitioner?identifier=...`).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SYNTHEA_IMPORT = path.join(__dirname, '..', 'fixtures', 'synthea-import');
export const URN_BUNDLES = path.join(SYNTHEA_IMPORT, 'bundles');
export const NDJSON = path.join(SYNTHEA_IMPORT, 'ndjson');

type Json = Record<string, any>;

export function readJson(file: string): Json {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Every resource of the NDJSON fixture, by type (log.ndjson holds no resources). */
export function ndjsonResources(): Map<string, Json[]> {
  const byType = new Map<string, Json[]>();
  for (const file of fs.readdirSync(NDJSON).filter((f) => f.endsWith('.ndjson') && f !== 'log.ndjson')) {
    for (const line of fs.readFileSync(path.join(NDJSON, file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const r = JSON.parse(line);
      byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), r]);
    }
  }
  return byType;
}

function identifierCriteria(r: Json): string {
  const id = r.identifier[0];
  return `identifier=${id.system}|${id.value}`;
}

/** A batch of conditional creates, one per resource, as Synthea writes hospital and practitioner information. */
export function supportBatch(resources: Json[]): Json {
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: resources.map((r) => ({
      fullUrl: `urn:uuid:${r.id}`,
      resource: r,
      request: { method: 'POST', url: r.resourceType, ifNoneExist: identifierCriteria(r) },
    })),
  };
}

/** One transaction per patient: the Patient and every resource that names it, in-bundle references as urn:uuid. */
export function patientTransactions(byType: Map<string, Json[]>): Json[] {
  const support = new Set(['Organization', 'Location', 'Practitioner', 'PractitionerRole']);
  const others = [...byType.entries()].filter(([type]) => !support.has(type) && type !== 'Patient').flatMap(([, list]) => list);
  return (byType.get('Patient') ?? []).map((patient) => {
    const mine = [patient, ...others.filter((r) => JSON.stringify(r).includes(`Patient/${patient.id}`))];
    const ids = new Set(mine.map((r) => `${r.resourceType}/${r.id}`));
    const text = JSON.stringify(mine).replace(/"reference":"([A-Za-z]+\/[^"?]+)"/g, (whole, ref: string) =>
      ids.has(ref) ? `"reference":"urn:uuid:${ref.split('/')[1]}"` : whole);
    return {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: (JSON.parse(text) as Json[]).map((r) => ({ fullUrl: `urn:uuid:${r.id}`, resource: r, request: { method: 'POST', url: r.resourceType } })),
    };
  });
}
