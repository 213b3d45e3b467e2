// Bundles for history and search answers. https://hl7.org/fhir/R4/bundle.html
import { StoredVersion } from '../storage/stored-resource';
import { versionHeaders } from './fhir-result';
import { OperationOutcome } from './operation-outcome';

export interface BundleLink {
  relation: 'self' | 'first' | 'next';
  url: string;
}

export interface Bundle {
  resourceType: 'Bundle';
  meta?: { lastUpdated: string };
  type: 'history' | 'searchset';
  total?: number;
  link: BundleLink[];
  entry: Record<string, unknown>[];
}

function parsed(v: StoredVersion): unknown {
  return v.content === null ? undefined : JSON.parse(v.content);
}

/** A history entry: the version (absent for a deletion), the request that made it and its outcome. */
export function historyEntry(baseUrl: string, v: StoredVersion): Record<string, unknown> {
  const fullUrl = `${baseUrl}/${v.resourceType}/${v.id}`;
  const method = v.method ?? (v.deleted ? 'DELETE' : 'PUT');
  const entry: Record<string, unknown> = { fullUrl };
  if (!v.deleted) entry.resource = parsed(v);
  entry.request = { method, url: method === 'POST' ? v.resourceType : `${v.resourceType}/${v.id}` };
  const headers = versionHeaders(v);
  entry.response = {
    status: v.deleted ? '204 No Content' : method === 'POST' || v.versionId === 1 ? '201 Created' : '200 OK',
    etag: headers.etag,
    lastModified: v.lastUpdated.toISOString(),
  };
  return entry;
}

export function searchEntry(baseUrl: string, v: StoredVersion): Record<string, unknown> {
  return { fullUrl: `${baseUrl}/${v.resourceType}/${v.id}`, resource: parsed(v), search: { mode: 'match' } };
}

export function outcomeEntry(o: OperationOutcome): Record<string, unknown> {
  return { resource: o, search: { mode: 'outcome' } };
}

export function bundle(type: Bundle['type'], link: BundleLink[], entry: Record<string, unknown>[], total?: number): Bundle {
  const b: Bundle = { resourceType: 'Bundle', meta: { lastUpdated: new Date().toISOString() }, type, link, entry };
  if (total !== undefined) b.total = total;
  return b;
}
