// SMART scopes: parsing v1 (`patient/Observation.read`) and v2 (`patient/Observation.rs?category=laboratory`)
// resource scopes and the launch/identity scopes, and deciding what may be granted: a requested scope is granted
// when the client may ask for it and the user's role may grant it. https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html

export type ScopeContext = 'patient' | 'user' | 'system';
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

export interface ResourceScope {
  text: string;
  context: ScopeContext;
  /** A resource type, or '*'. */
  type: string;
  permissions: Set<Permission>;
  /** v2 restriction (`category=laboratory`), as written after `?`. */
  restriction?: string;
  version: 1 | 2;
}

/** Identity and launch scopes: not about FHIR data. */
export const NON_RESOURCE_SCOPES = new Set([
  'openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access',
]);

const RESOURCE_SCOPE = /^(patient|user|system)\/([A-Z][A-Za-z]{0,63}|\*)\.(read|write|\*|c?r?u?d?s?)(\?[A-Za-z0-9_\-.:|,=&%/]{1,512})?$/;

const V1: Record<string, Permission[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };

export function parseResourceScope(text: string): ResourceScope | undefined {
  const m = RESOURCE_SCOPE.exec(text);
  if (!m || m[3] === '') return undefined;
  const v1 = V1[m[3]];
  if (v1 && m[4]) return undefined; // restrictions are a v2 form
  return {
    text,
    context: m[1] as ScopeContext,
    type: m[2],
    permissions: new Set(v1 ?? (m[3].split('') as Permission[])),
    restriction: m[4]?.slice(1),
    version: v1 ? 1 : 2,
  };
}

export function isKnownScope(text: string): boolean {
  return NON_RESOURCE_SCOPES.has(text) || parseResourceScope(text) !== undefined;
}

/** Whether `allowed` covers `requested`: same context, its type or '*', every permission, and no looser restriction. */
export function covers(allowed: ResourceScope, requested: ResourceScope): boolean {
  if (allowed.context !== requested.context) return false;
  if (allowed.type !== '*' && allowed.type !== requested.type) return false;
  for (const p of requested.permissions) if (!allowed.permissions.has(p)) return false;
  return allowed.restriction === undefined || allowed.restriction === requested.restriction;
}

/** The contexts a user of each role may grant: patients their own record; practitioners user/ and patient/. */
const ROLE_CONTEXTS: Record<string, ScopeContext[]> = {
  patient: ['patient'],
  practitioner: ['patient', 'user'],
  admin: ['patient', 'user'],
};

/**
 * The requested scopes that may be granted: known ones the client's registration covers (identity and launch
 * scopes by name, resource scopes by `covers`), and, with a user, only in contexts the role may grant. A
 * backend service (no user) gets system/ scopes only.
 */
export function grantable(requested: string[], clientScopes: string[], role: string | undefined): string[] {
  const allowedResource = clientScopes.map(parseResourceScope).filter((s): s is ResourceScope => s !== undefined);
  const allowedNames = new Set(clientScopes.filter((s) => NON_RESOURCE_SCOPES.has(s)));
  const contexts: ScopeContext[] = role === undefined ? ['system'] : ROLE_CONTEXTS[role] ?? [];
  const out: string[] = [];
  for (const text of new Set(requested)) {
    if (NON_RESOURCE_SCOPES.has(text)) {
      if (allowedNames.has(text) && role !== undefined) out.push(text);
      continue;
    }
    const scope = parseResourceScope(text);
    if (!scope || !contexts.includes(scope.context)) continue;
    if (allowedResource.some((a) => covers(a, scope))) out.push(text);
  }
  return out;
}

const WORDS: Record<Permission, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/** A resource scope in plain words, for the consent page. */
export function describeScope(text: string): string {
  switch (text) {
    case 'openid': return 'Confirm who you are';
    case 'fhirUser': return 'Know which person you are in the record';
    case 'profile': return 'See your name';
    case 'launch': case 'launch/patient': return 'Know which patient record is open';
    case 'launch/encounter': return 'Know which visit is open';
    case 'offline_access': return 'Keep access while you are away, until you revoke it';
    case 'online_access': return 'Keep access while you stay signed in';
  }
  const s = parseResourceScope(text);
  if (!s) return text;
  const what = s.type === '*' ? 'all kinds of data' : `${s.type} data`;
  const whose = s.context === 'patient' ? 'for the selected patient' : s.context === 'user' ? 'that you can see' : 'for the whole system';
  const actions = (['r', 's', 'c', 'u', 'd'] as Permission[]).filter((p) => s.permissions.has(p)).map((p) => WORDS[p]);
  const limited = s.restriction ? ` (only where ${s.restriction.replace(/&/g, ' and ')})` : '';
  return `${actions.join(', ')} ${what} ${whose}${limited}`.replace(/^./, (c) => c.toUpperCase());
}
