// Runs a search over real HTTP and follows its `next` links to the end, keeping every page.
import { AUTH, TestApp } from '../../support/test-app';

export interface SearchPage {
  status: number;
  bundle: any;
  ms: number;
}

export interface SearchResult {
  pages: any[];
  /** `Type/id` of the entries with search.mode = match, in the order served. */
  matches: string[];
  /** `Type/id` of the entries with search.mode = include, page after page. */
  includes: string[];
  /** The resources of the match entries, in the order served. */
  resources: any[];
  /** Bundle.total of the first page. */
  total: number | undefined;
}

/** Encodes name/value pairs as a query string (values and names percent-encoded). */
export function encodeQuery(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

const STRICT = { ...AUTH, prefer: 'handling=strict', accept: 'application/fhir+json' };

export async function getPage(t: TestApp, pathAndQuery: string): Promise<SearchPage> {
  const started = Date.now();
  const res = await fetch(pathAndQuery.startsWith('http') ? pathAndQuery : `${t.origin}${pathAndQuery}`, { headers: STRICT });
  const text = await res.text();
  return { status: res.status, bundle: text ? JSON.parse(text) : undefined, ms: Date.now() - started };
}

export async function postSearch(t: TestApp, type: string, pairs: [string, string][]): Promise<SearchPage> {
  const started = Date.now();
  const res = await fetch(`${t.fhirBase}/${type}/_search`, {
    method: 'POST',
    headers: { ...STRICT, 'content-type': 'application/x-www-form-urlencoded' },
    body: encodeQuery(pairs),
  });
  const text = await res.text();
  return { status: res.status, bundle: text ? JSON.parse(text) : undefined, ms: Date.now() - started };
}

function describe(page: SearchPage): string {
  const issues = page.bundle?.resourceType === 'OperationOutcome'
    ? page.bundle.issue?.map((i: any) => i.diagnostics ?? i.details?.text).join('; ')
    : JSON.stringify(page.bundle)?.slice(0, 300);
  return `HTTP ${page.status}: ${issues}`;
}

/** Follows `next` from a first page, failing on any non-200 page or when the pages never end. */
export async function collect(t: TestApp, first: SearchPage, label: string): Promise<SearchResult> {
  const pages: any[] = [];
  let page = first;
  for (let n = 0; ; n++) {
    if (page.status !== 200) throw new Error(`${label} → ${describe(page)}`);
    pages.push(page.bundle);
    const next = (page.bundle.link ?? []).find((l: any) => l.relation === 'next')?.url as string | undefined;
    if (!next) break;
    if (n > 500) throw new Error(`${label}: more than 500 pages`);
    if (!next.startsWith(t.fhirBase)) throw new Error(`${label}: next link ${next} is not under ${t.fhirBase}`);
    page = await getPage(t, next);
  }
  const entries = pages.flatMap((b) => b.entry ?? []);
  const key = (e: any) => `${e.resource.resourceType}/${e.resource.id}`;
  const matchEntries = entries.filter((e: any) => e.search?.mode === 'match');
  return {
    pages,
    matches: matchEntries.map(key),
    includes: entries.filter((e: any) => e.search?.mode === 'include').map(key),
    resources: matchEntries.map((e: any) => e.resource),
    total: pages[0].total,
  };
}

/** GET [base]/[type]?query, every page. */
export async function searchAll(t: TestApp, type: string, pairs: [string, string][]): Promise<SearchResult> {
  const qs = encodeQuery(pairs);
  return collect(t, await getPage(t, `/fhir/${type}${qs ? `?${qs}` : ''}`), `${type}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`);
}
