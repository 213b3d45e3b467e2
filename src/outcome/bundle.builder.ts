// Bundles for history and search answers, written as JSON text: stored resources are spliced in as they are
// kept, never parsed and re-serialised. https://hl7.org/fhir/R4/bundle.html
import { StoredVersion } from '../storage/stored-resource';
import { etag } from './fhir-result';
import { OperationOutcome } from './operation-outcome';

export interface BundleLink {
  relation: 'self' | 'first' | 'next' | 'previous';
  url: string;
}

/** A JSON object from members whose values are already JSON text; undefined values are left out. */
function objectText(members: [string, string | undefined][]): string {
  return `{${members.filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

const json = (value: unknown): string => JSON.stringify(value);

/** A history entry: the version (absent for a deletion), the request that made it and its outcome. */
export function historyEntry(baseUrl: string, v: StoredVersion): string {
  const method = v.method ?? (v.deleted ? 'DELETE' : 'PUT');
  const status = v.deleted ? '204 No Content' : method === 'POST' || v.versionId === 1 ? '201 Created' : '200 OK';
  return objectText([
    ['fullUrl', json(`${baseUrl}/${v.resourceType}/${v.id}`)],
    ['resource', v.deleted ? undefined : v.content ?? undefined],
    ['request', json({ method, url: method === 'POST' ? v.resourceType : `${v.resourceType}/${v.id}` })],
    ['response', json({ status, etag: etag(v.versionId), lastModified: v.lastUpdated.toISOString() })],
  ]);
}

/** A search entry; `content` replaces the stored text when the resource was subsetted. */
export function searchEntry(baseUrl: string, v: StoredVersion, mode: 'match' | 'include' = 'match', content = v.content): string {
  return objectText([
    ['fullUrl', json(`${baseUrl}/${v.resourceType}/${v.id}`)],
    ['resource', content ?? undefined],
    ['search', json({ mode })],
  ]);
}

export function outcomeEntry(o: OperationOutcome): string {
  return objectText([['resource', json(o)], ['search', json({ mode: 'outcome' })]]);
}

export function bundleText(type: 'history' | 'searchset', link: BundleLink[], entries: string[], total?: number): string {
  return objectText([
    ['resourceType', json('Bundle')],
    ['meta', json({ lastUpdated: new Date().toISOString() })],
    ['type', json(type)],
    ['total', total === undefined ? undefined : json(total)],
    ['link', json(link)],
    ['entry', `[${entries.join(',')}]`],
  ]);
}
