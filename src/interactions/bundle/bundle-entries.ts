// Reads a batch or transaction Bundle into entries the server can run: method, address and conditions of each
// request. A problem with one entry is kept with that entry (a batch answers it, a transaction fails on it).
// https://hl7.org/fhir/R4/http.html#transaction https://hl7.org/fhir/R4/bundle.html#request
import { FhirError } from '../../outcome/operation-outcome';
import { FhirResource } from '../../storage/stored-resource';
import { Query } from '../paging';

export type EntryMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS = new Set<string>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const TYPE_NAME = /^[A-Z][A-Za-z]{1,63}$/;

/** What the entry's URL addresses. */
export type EntryTarget = 'type' | 'instance' | 'version' | 'type-history' | 'instance-history' | 'system-history';

export interface BundleEntry {
  index: number;
  method: EntryMethod;
  target: EntryTarget;
  type?: string;
  id?: string;
  vid?: string;
  /** The URL's query (search parameters, or the criteria of a conditional update/delete). */
  query: Query;
  hasQuery: boolean;
  resource?: FhirResource;
  fullUrl?: string;
  ifMatch?: string;
  ifNoneMatch?: string;
  ifNoneExist?: string;
  ifModifiedSince?: string;
  /** The id this entry will create under, when the Bundle handed one out before running it. */
  assignedId?: string;
  /** Set when the entry cannot be run as it is. */
  error?: FhirError;
}

export interface RequestBundle {
  type: 'batch' | 'transaction';
  entries: BundleEntry[];
}

function invalid(code: string, text: string, expression?: string): FhirError {
  return FhirError.of(400, 'invalid', code, text, expression ? [expression] : undefined);
}

/** The Bundle's type and entries; a body that is not a batch or transaction Bundle is a 400. */
export function readRequestBundle(body: unknown, maxEntries: number, baseUrl: string): RequestBundle {
  if (body === undefined || body === null) throw FhirError.of(400, 'required', 'body-required', 'A Bundle is required in the request body');
  if (typeof body !== 'object' || Array.isArray(body) || (body as { resourceType?: unknown }).resourceType !== 'Bundle') {
    throw invalid('bundle-required', 'POST to the base takes a Bundle of type batch or transaction', 'Bundle');
  }
  const bundle = body as { type?: unknown; entry?: unknown };
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw invalid('bundle-type-invalid', `Only batch and transaction Bundles can be processed here (got ${typeof bundle.type === 'string' ? bundle.type.slice(0, 40) : 'none'})`, 'Bundle.type');
  }
  const raw = bundle.entry ?? [];
  if (!Array.isArray(raw)) throw invalid('bundle-entry-invalid', 'Bundle.entry must be an array', 'Bundle.entry');
  if (raw.length > maxEntries) {
    throw FhirError.of(400, 'too-costly', 'bundle-too-many-entries', `A Bundle may hold at most ${maxEntries} entries (this one has ${raw.length})`, ['Bundle.entry']);
  }
  return { type: bundle.type, entries: raw.map((e, index) => readEntry(e, index, baseUrl)) };
}

function readEntry(raw: unknown, index: number, baseUrl: string): BundleEntry {
  const at = `Bundle.entry[${index}]`;
  const entry: BundleEntry = { index, method: 'GET', target: 'type', query: {}, hasQuery: false };
  try {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('bundle-entry-invalid', 'An entry must be an object', at);
    const { request, resource, fullUrl } = raw as { request?: Record<string, unknown>; resource?: unknown; fullUrl?: unknown };
    if (typeof request !== 'object' || request === null) throw invalid('bundle-entry-invalid', 'Every entry needs a request', `${at}.request`);
    const method = typeof request.method === 'string' ? request.method.toUpperCase() : '';
    if (!METHODS.has(method)) throw invalid('bundle-entry-invalid', 'request.method must be GET, HEAD, POST, PUT, PATCH or DELETE', `${at}.request.method`);
    entry.method = method as EntryMethod;
    if (typeof fullUrl === 'string') entry.fullUrl = fullUrl;
    if (resource !== undefined) {
      if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) throw invalid('body-not-resource', 'entry.resource must be a resource', `${at}.resource`);
      entry.resource = resource as FhirResource;
    }
    for (const [from, to] of [['ifMatch', 'ifMatch'], ['ifNoneMatch', 'ifNoneMatch'], ['ifNoneExist', 'ifNoneExist'], ['ifModifiedSince', 'ifModifiedSince']] as const) {
      const v = request[from];
      if (v === undefined) continue;
      if (typeof v !== 'string') throw invalid('bundle-entry-invalid', `request.${from} must be a string`, `${at}.request.${from}`);
      entry[to] = v;
    }
    if (typeof request.url !== 'string' || request.url === '') throw invalid('bundle-entry-invalid', 'Every request needs a url', `${at}.request.url`);
    readUrl(entry, request.url, baseUrl, at);
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    entry.error = err;
  }
  return entry;
}

/** Parses `Type`, `Type/id`, `Type/id/_history/vid`, the history forms and `?query`, relative to the base. */
function readUrl(entry: BundleEntry, url: string, baseUrl: string, at: string): void {
  let relative = url.startsWith(`${baseUrl}/`) ? url.slice(baseUrl.length + 1) : url;
  if (/^[a-z][a-z0-9+.-]*:/i.test(relative)) {
    throw invalid('bundle-entry-url-invalid', 'request.url must be relative to this server (e.g. Patient/123)', `${at}.request.url`);
  }
  relative = relative.replace(/^\/+/, '');
  const q = relative.indexOf('?');
  const path = q < 0 ? relative : relative.slice(0, q);
  if (q >= 0) {
    entry.hasQuery = true;
    for (const [name, value] of new URLSearchParams(relative.slice(q + 1))) {
      const had = entry.query[name];
      entry.query[name] = had === undefined ? value : ([] as string[]).concat(had, value);
    }
  }
  const bad = () => invalid('bundle-entry-url-invalid', `request.url ${url.slice(0, 200)} is not an address this server serves in a Bundle`, `${at}.request.url`);
  let parts: string[];
  try {
    parts = path === '' ? [] : path.split('/').map((p) => decodeURIComponent(p));
  } catch {
    throw bad();
  }
  if (parts.length === 1 && parts[0] === '_history') {
    entry.target = 'system-history';
    return;
  }
  if (parts.length === 0 || !TYPE_NAME.test(parts[0])) throw bad();
  entry.type = parts[0];
  if (parts.length === 1) entry.target = 'type';
  else if (parts.length === 2 && parts[1] === '_history') entry.target = 'type-history';
  else if (parts.length === 2 && !parts[1].startsWith('_')) entry.target = 'instance';
  else if (parts.length === 3 && parts[2] === '_history') entry.target = 'instance-history';
  else if (parts.length === 4 && parts[2] === '_history') entry.target = 'version';
  else throw bad();
  if (parts.length >= 2 && entry.target !== 'type-history') entry.id = parts[1];
  if (parts.length === 4) entry.vid = parts[3];
}
