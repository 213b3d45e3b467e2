// Checks the scopes a client may ask for: OpenID Connect and SMART launch scopes, and SMART v1/v2 resource
// scopes (`patient|user|system / Type|* . read|write|*|cruds`, v2 ones optionally restricted by `?param=value`).
// Backend services get system/ scopes only; apps that act for a user get none.
// https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
import { r4ResourceTypeNames } from '../conformance/definitions';
import type { ClientKind } from '../smart/clients.repository';
import { NON_RESOURCE_SCOPES } from '../smart/smart-scopes';
import { UsageError } from './admin-command';

const RESOURCE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]*)\.(read|write|\*|c?r?u?d?s?)(?:\?(.*))?$/;
/** A search parameter and its value, in the characters a restriction may hold (percent-encode the others). */
const PARAM = /^[A-Za-z0-9_.:-]+=[A-Za-z0-9_.:|,%/-]+$/;
const RESTRICTION_MAX_LENGTH = 512;

let resourceTypes: Set<string> | undefined;

function problem(scope: string): string | undefined {
  if (NON_RESOURCE_SCOPES.has(scope)) return undefined;
  const m = RESOURCE.exec(scope);
  if (!m) return 'not an OpenID, launch or resource scope';
  const [, , type, permission, query] = m;
  resourceTypes ??= new Set(r4ResourceTypeNames());
  if (type !== '*' && !resourceTypes.has(type)) return `${type} is not an R4 resource type`;
  if (permission === '') return 'no permission after the dot';
  if (query !== undefined) {
    if (['read', 'write', '*'].includes(permission)) return 'a ?restriction needs the v2 form (e.g. .rs)';
    if (query.length > RESTRICTION_MAX_LENGTH || !query.split('&').every((p) => PARAM.test(p))) {
      return 'the restriction must be param=value pairs joined by &, in letters, digits and _ . : | , % / -';
    }
  }
  return undefined;
}

/** The scopes, checked for the kind of client, space-separated and without repeats. */
export function checkScopes(values: string[], kind: ClientKind): string {
  const scopes = [...new Set(values.flatMap((v) => v.split(/\s+/)).filter((s) => s !== ''))];
  if (scopes.length === 0) throw new UsageError('--scope needs at least one scope');
  const bad = scopes.map((s) => [s, problem(s)]).filter(([, p]) => p !== undefined);
  if (bad.length > 0) throw new UsageError(`Not valid scopes: ${bad.map(([s, p]) => `"${s}" (${p})`).join(', ')}`);
  if (kind === 'backend') {
    const other = scopes.filter((s) => !s.startsWith('system/'));
    if (other.length > 0) throw new UsageError(`A backend service may only have system/ scopes, not ${other.join(' ')}`);
  } else {
    const system = scopes.filter((s) => s.startsWith('system/'));
    if (system.length > 0) throw new UsageError(`A ${kind} app acts for a user and may not have system/ scopes: ${system.join(' ')}`);
  }
  return scopes.join(' ');
}
