// The batch-response / transaction-response Bundle, written as JSON text: resources the interactions return
// as stored text are spliced in, never parsed again. https://hl7.org/fhir/R4/http.html#transaction-response
import { FhirResult } from '../../outcome/fhir-result';
import { FhirError } from '../../outcome/operation-outcome';

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 409: 'Conflict', 410: 'Gone',
  412: 'Precondition Failed', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
  500: 'Internal Server Error',
};

/** "201 Created": the status line form Bundle.entry.response.status takes. */
export function statusLine(status: number): string {
  return REASONS[status] ? `${status} ${REASONS[status]}` : String(status);
}

/** A JSON object from members whose values are already JSON text; undefined values are left out. */
function objectText(members: [string, string | undefined][]): string {
  return `{${members.filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

const json = (value: unknown): string | undefined => (value === undefined ? undefined : JSON.stringify(value));

/** The response entry of one entry that ran: status, location, etag, lastModified, and the resource when one was returned. */
export function resultEntry(baseUrl: string, result: FhirResult, isWrite: boolean): string {
  const v = result.version;
  const outcome = result.body !== undefined && (result.body as { resourceType?: unknown }).resourceType === 'OperationOutcome' ? result.body : undefined;
  const response = objectText([
    ['status', json(statusLine(result.status))],
    ['location', isWrite && v ? json(`${v.resourceType}/${v.id}/_history/${v.versionId}`) : undefined],
    ['etag', json(result.headers?.etag)],
    ['lastModified', json(v?.lastUpdated.toISOString())],
    ['outcome', json(outcome)],
  ]);
  return objectText([
    ['fullUrl', v ? json(`${baseUrl}/${v.resourceType}/${v.id}`) : undefined],
    ['resource', result.raw ?? (outcome === undefined ? json(result.body) : undefined)],
    ['response', response],
  ]);
}

/** The response entry of a batch entry that failed: its status and OperationOutcome. */
export function errorEntry(err: FhirError): string {
  return objectText([['response', objectText([['status', json(statusLine(err.status))], ['outcome', json(err.outcome)]])]]);
}

export function responseBundle(type: 'batch-response' | 'transaction-response', entries: string[]): string {
  return objectText([
    ['resourceType', json('Bundle')],
    ['type', json(type)],
    ['meta', json({ lastUpdated: new Date().toISOString() })],
    ['entry', `[${entries.join(',')}]`],
  ]);
}
