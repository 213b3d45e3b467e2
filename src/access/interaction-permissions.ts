// Which SMART permissions (c r u d s) each FHIR interaction needs, and the rule each route declares.
// https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-fhir-resources
import { Permission } from '../smart/smart-scopes';

/** What a route does, as the access guard sees it; a route without one is refused. */
export type AccessRule =
  | 'read' | 'vread' | 'update' | 'patch' | 'delete' | 'history-instance'
  | 'history-type' | 'create' | 'search-type' | 'conditional-update' | 'conditional-delete'
  | 'history-system' | 'batch-transaction' | 'admin';

/** The rules that address one resource type, named by the route's :type. */
export const TYPED_RULES = new Set<AccessRule>([
  'read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type',
  'conditional-update', 'conditional-delete',
]);

/**
 * Permissions per rule. Conditional interactions also search (their criteria must only match what the caller
 * may find); a create made by an update or a conditional update needs `c`, checked on the stored result.
 */
export const PERMISSIONS: Record<Exclude<AccessRule, 'history-system' | 'batch-transaction' | 'admin'>, Permission[]> = {
  read: ['r'],
  vread: ['r'],
  'history-instance': ['r'],
  'history-type': ['s'],
  'search-type': ['s'],
  create: ['c'],
  update: ['u'],
  // JSON Patch works on the stored content (a `test` operation compares with it): it needs read as well.
  patch: ['u', 'r'],
  delete: ['d'],
  'conditional-update': ['u', 's'],
  'conditional-delete': ['d', 's'],
};
