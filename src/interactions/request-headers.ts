// Parsing of the conditional and preference headers the interactions honour. https://hl7.org/fhir/R4/http.html
import { FhirError } from '../outcome/operation-outcome';

export type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const ETAG = /^\s*(?:W\/)?"(\d{1,9})"\s*$/;

/** A parsed If-Match: '*' (any existing version) or a list of ETags. https://www.rfc-editor.org/rfc/rfc9110#field.if-match */
export interface IfMatch {
  text: string;
  matches(versionId: number | undefined): boolean;
}

/** The If-Match condition, or undefined without the header; a malformed value is a 400. */
export function ifMatch(headers: Headers): IfMatch | undefined {
  const raw = header(headers, 'if-match');
  if (raw === undefined) return undefined;
  const text = raw.trim().slice(0, 200);
  if (text === '*') return { text, matches: (v) => v !== undefined };
  const versions = raw.split(',').map((tag) => ETAG.exec(tag)?.[1]);
  if (versions.length === 0 || versions.length > 20 || versions.some((v) => v === undefined)) {
    throw FhirError.of(400, 'invalid', 'invalid-if-match', 'If-Match must be * or ETags such as W/"3"');
  }
  return { text, matches: (v) => v !== undefined && versions.includes(String(v)) };
}

/** True when If-None-Match names this version or is '*'. */
export function ifNoneMatchHits(headers: Headers, versionId: number): boolean {
  const raw = header(headers, 'if-none-match');
  if (raw === undefined) return false;
  return raw.split(',').some((tag) => tag.trim() === '*' || ETAG.exec(tag)?.[1] === String(versionId));
}

/** True when If-Modified-Since is a date at or after the version's (second-precision) time. */
export function notModifiedSince(headers: Headers, lastUpdated: Date): boolean {
  const raw = header(headers, 'if-modified-since');
  if (raw === undefined) return false;
  const since = Date.parse(raw);
  return !Number.isNaN(since) && Math.floor(lastUpdated.getTime() / 1000) * 1000 <= since;
}

export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

/** Prefer: return=... ; https://hl7.org/fhir/R4/http.html#ops */
export function returnPreference(headers: Headers): ReturnPreference {
  const raw = header(headers, 'prefer') ?? '';
  const m = /(?:^|[;,\s])return\s*=\s*"?(minimal|representation|OperationOutcome)"?/i.exec(raw);
  if (!m) return 'representation';
  const v = m[1].toLowerCase();
  return v === 'minimal' ? 'minimal' : v === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}

/** Prefer: handling=strict|lenient; https://hl7.org/fhir/R4/search.html#errors */
export function strictHandling(headers: Headers): boolean {
  return /(?:^|[;,\s])handling\s*=\s*"?strict"?/i.test(header(headers, 'prefer') ?? '');
}
