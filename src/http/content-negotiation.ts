// Chooses the response format from _format and Accept. https://hl7.org/fhir/R4/http.html#mime-type
import { Query, single } from '../interactions/paging';
import { FhirError } from '../outcome/operation-outcome';

export interface ResponseFormat {
  contentType: 'application/fhir+json' | 'application/json';
  pretty: boolean;
}

const FORMAT_ALIASES: Record<string, ResponseFormat['contentType'] | 'xml' | undefined> = {
  json: 'application/fhir+json',
  'application/json': 'application/json',
  'application/fhir+json': 'application/fhir+json',
  xml: 'xml',
  'text/xml': 'xml',
  'application/xml': 'xml',
  'application/fhir+xml': 'xml',
};

const JSON_ACCEPTS = new Set(['application/fhir+json', 'application/json', 'application/json+fhir', '*/*', 'application/*']);

function notAcceptable(what: string): FhirError {
  const xml = /xml/i.test(what);
  return FhirError.of(
    406,
    'not-supported',
    xml ? 'xml-not-supported' : 'format-not-acceptable',
    xml ? 'XML is not supported yet; request application/fhir+json' : 'Only application/fhir+json and application/json can be returned',
  );
}

export function negotiate(query: Query, accept: string | undefined): ResponseFormat {
  const pretty = single(query, '_pretty') === 'true';
  // An unencoded "+" arrives as a space (form encoding): application/fhir+json must still be understood.
  const format = single(query, '_format')?.replace(/ /g, '+');
  if (format !== undefined) {
    const chosen = FORMAT_ALIASES[format.split(';')[0].trim().toLowerCase()];
    if (!chosen || chosen === 'xml') throw notAcceptable(format);
    return { contentType: chosen, pretty };
  }
  if (!accept || accept.trim() === '') return { contentType: 'application/fhir+json', pretty };
  const ranges = accept.split(',').map((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
  });
  const acceptable = ranges.filter((r) => r.q > 0 && JSON_ACCEPTS.has(r.type)).sort((a, b) => b.q - a.q);
  if (acceptable.length === 0) throw notAcceptable(accept);
  return { contentType: acceptable[0].type === 'application/json' ? 'application/json' : 'application/fhir+json', pretty };
}
