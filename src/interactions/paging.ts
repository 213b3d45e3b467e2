// Shared result-parameter parsing for history and search: _count, _since and the opaque page cursor.
import { FhirError } from '../outcome/operation-outcome';

export type { Query } from '../search/query/search-request';
import type { Query } from '../search/query/search-request';

export function single(query: Query, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) {
    if (v.length > 1) throw FhirError.of(400, 'invalid', 'parameter-repeated', `Parameter ${name} may appear once only`);
    return v[0];
  }
  return v;
}

export function pageSize(query: Query, defaultSize: number, maxSize: number): number {
  const raw = single(query, '_count');
  if (raw === undefined) return defaultSize;
  if (!/^\d{1,9}$/.test(raw)) throw FhirError.of(400, 'invalid', 'invalid-count', '_count must be a whole number of 0 or more');
  return Math.min(Number(raw), maxSize);
}

// An instant or a dateTime with at least a day: https://hl7.org/fhir/R4/datatypes.html#instant
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export function instantParam(query: Query, name: string): Date | undefined {
  // An unencoded "+" of a time-zone offset arrives as a space (form encoding); a date holds no space.
  const raw = single(query, name)?.replace(' ', '+');
  if (raw === undefined) return undefined;
  const date = INSTANT.test(raw) ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(date.getTime())) {
    throw FhirError.of(400, 'invalid', 'invalid-date-parameter', `${name} must be an instant such as 2024-01-31T10:00:00Z`);
  }
  return date;
}

/** A link back to this server with the given parameters, in a stable order. */
export function pageUrl(path: string, params: Record<string, string | undefined> | [string, string][]): string {
  const search = new URLSearchParams();
  for (const [k, v] of Array.isArray(params) ? params : Object.entries(params)) if (v !== undefined) search.append(k, v);
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

/** A page stops growing past this much stored content (at least one entry is kept), so no answer outgrows memory. */
export const PAGE_BYTE_BUDGET = 32 * 1024 * 1024;

export function withinBudget<T extends { content: string | null }>(items: T[], budget = PAGE_BYTE_BUDGET): T[] {
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    used += items[i].content?.length ?? 0;
    if (used > budget && i > 0) return items.slice(0, i);
  }
  return items;
}
