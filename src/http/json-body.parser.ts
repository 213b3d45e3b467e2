// Body parsing for the JSON media types FHIR uses; everything else is refused with 415 by the framework.
// https://hl7.org/fhir/R4/http.html#mime-type
import { FhirError } from '../outcome/operation-outcome';

export const JSON_MEDIA_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json'];
export const XML_MEDIA_TYPES = ['application/fhir+xml', 'application/xml', 'text/xml'];

/**
 * Nesting depth of a JSON text, counted without parsing so that a hostile body never reaches JSON.parse's
 * recursion. Brackets inside strings are skipped.
 */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (text.trim() === '') return undefined;
  if (jsonDepthExceeds(text, maxDepth)) {
    throw FhirError.of(400, 'too-long', 'json-too-deep', `The JSON body is nested deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw FhirError.of(400, 'structure', 'malformed-json', 'The body is not well-formed JSON');
  }
}

/** The most parameters a form body may carry; a search needs a handful. */
export const MAX_FORM_PARAMETERS = 1000;

/** Parameters of a form-encoded POST _search, kept apart from JSON bodies so no handler mistakes one for the other. */
export class FormBody {
  constructor(readonly params: Record<string, string[]>) {}

  static parse(text: string): FormBody {
    const params: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
    let count = 0;
    for (const [k, v] of new URLSearchParams(text)) {
      if (++count > MAX_FORM_PARAMETERS) {
        throw FhirError.of(400, 'too-costly', 'too-many-parameters', `A form body may carry at most ${MAX_FORM_PARAMETERS} parameters`);
      }
      (params[k] ??= []).push(v);
    }
    return new FormBody(params);
  }
}

/**
 * The parameters of `POST [type]/_search`: the URL's query and the form body together (a name in both keeps
 * every value); any body but a form is refused. https://hl7.org/fhir/R4/http.html#search
 */
export function searchParameters(query: Record<string, string | string[] | undefined>, body: unknown): Record<string, string | string[] | undefined> {
  if (body !== undefined && !(body instanceof FormBody)) {
    throw FhirError.of(415, 'not-supported', 'search-body-unsupported', 'POST _search takes application/x-www-form-urlencoded parameters');
  }
  const merged = { ...query };
  for (const [k, v] of Object.entries((body as FormBody | undefined)?.params ?? {})) {
    merged[k] = merged[k] === undefined ? v : [...([] as string[]).concat(merged[k] as string | string[]), ...v];
  }
  return merged;
}
