// Which FHIR RESTful interaction a request was, from its method, path and (for POST /fhir) the Bundle type:
// what the AuditEvent's subtype, action and target entity say. https://hl7.org/fhir/R4/http.html
import { AuditAction, RestInteraction } from './audit-codes';

export interface RestCall {
  interaction: RestInteraction;
  action: AuditAction;
  /** The resource type addressed, if any. */
  type?: string;
  id?: string;
  versionId?: string;
  /** Search and conditional interactions: their criteria are recorded as the query. */
  hasQuery: boolean;
  /** Conditional create/update/delete. */
  conditional: boolean;
}

const TYPE = /^[A-Z][A-Za-z]{0,63}$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** `path` is the part after /fhir, without the query string; `queryPresent` tells whether one was given. */
export function classifyRest(method: string, path: string, queryPresent: boolean, body: unknown, headers: Record<string, unknown>): RestCall {
  const m = method === 'HEAD' ? 'GET' : method;
  const seg = path.split('/').filter((s) => s.length > 0);
  const type = seg[0] !== undefined && TYPE.test(seg[0]) ? seg[0] : undefined;
  const id = seg[1] !== undefined && ID.test(seg[1]) && !seg[1].startsWith('_') ? seg[1] : undefined;
  const call = (interaction: RestInteraction, action: AuditAction, extra: Partial<RestCall> = {}): RestCall =>
    ({ interaction, action, hasQuery: false, conditional: false, ...extra });

  if (seg.length === 0) {
    const bundleType = (body as { type?: unknown } | undefined)?.type;
    return call(bundleType === 'transaction' ? 'transaction' : 'batch', 'E');
  }
  if (seg[0] === 'metadata') return call('capabilities', 'R');
  if (seg[0] === '_history') return call('history-system', 'R', { hasQuery: queryPresent });
  if (seg.some((s) => s.startsWith('$'))) return call('operation', 'E', { type, id, hasQuery: queryPresent });
  if (seg.length === 1) {
    if (m === 'GET') return call('search-type', 'E', { type, hasQuery: true });
    if (m === 'POST') {
      return call('create', 'C', { type, conditional: headers['if-none-exist'] !== undefined });
    }
    if (m === 'PUT') return call('update', 'U', { type, hasQuery: true, conditional: true });
    if (m === 'DELETE') return call('delete', 'D', { type, hasQuery: true, conditional: true });
  }
  if (seg.length === 2 && seg[1] === '_search') return call('search-type', 'E', { type, hasQuery: true });
  if (seg.length === 2 && seg[1] === '_history') return call('history-type', 'R', { type, hasQuery: queryPresent });
  if (seg.length === 2) {
    if (m === 'PUT') return call('update', 'U', { type, id });
    if (m === 'PATCH') return call('patch', 'U', { type, id });
    if (m === 'DELETE') return call('delete', 'D', { type, id });
    return call('read', 'R', { type, id });
  }
  if (seg.length === 3 && seg[2] === '_history') return call('history-instance', 'R', { type, id, hasQuery: queryPresent });
  if (seg.length === 4 && seg[2] === '_history') {
    return call('vread', 'R', { type, id, versionId: ID.test(seg[3]) ? seg[3] : undefined });
  }
  return call('operation', 'E', { type, hasQuery: queryPresent });
}

/** Parameters whose values are credentials, whatever a client meant by sending them: never recorded. */
const CREDENTIAL_PARAMETERS = new Set([
  'access_token', 'refresh_token', 'id_token', 'token', 'client_secret', 'client_assertion', 'password', 'code_verifier', 'assertion',
]);

/** The query string as recorded: credential-named parameters' values replaced. */
export function recordedQuery(params: Iterable<[string, string]>): string {
  const out = new URLSearchParams();
  for (const [name, value] of params) out.append(name, CREDENTIAL_PARAMETERS.has(name.toLowerCase()) ? 'redacted' : value);
  return out.toString();
}
