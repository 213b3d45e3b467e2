// What one caller may do, decided once per request from its token and carried down to every SQL statement:
// the SMART scopes it holds (v1 and v2, granular restrictions), and the rows each scope's context reaches
// (a patient's compartment, a practitioner's patients, everything for a backend service).
// https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
import { FhirPrincipal } from '../auth/fhir-principal';
import { FhirError, issue } from '../outcome/operation-outcome';
import { criterionSql, RowFilter } from '../search/query/criterion.sql';
import { Criterion } from '../search/query/search-request';
import { SqlBuilder } from '../search/query/sql-builder';
import { parseResourceScope, Permission, ResourceScope } from '../smart/smart-scopes';
import { practitionerPatientsSql } from './practitioner-patients.sql';
import { SHARED_TYPES } from './shared-types';

/** Why a request was refused or a row filtered out: recorded in the audit trail, never told to the caller. */
export type DenialRule =
  | 'authentication-required' | 'scope-missing' | 'outside-compartment' | 'granular-restriction'
  | 'no-access-rule' | 'admin-role-required';

export interface AccessDenial {
  rule: DenialRule;
  detail: string;
}

/** Which patients a practitioner's user/ scopes reach. */
export type PractitionerAccess = 'organization' | 'assigned' | 'all';

/** What the context needs from the server's definitions, given once by AccessPolicy. */
export interface AccessDefinitions {
  /** Types in the Patient CompartmentDefinition (the others hold no patient's data). */
  compartmentTypes: ReadonlySet<string>;
  /** The criteria of a v2 restriction on `type`, or null when it names a parameter the type does not have. */
  restriction(type: string, restriction: string): Criterion[] | null;
  practitionerAccess: ReadonlySet<PractitionerAccess>;
  fhirBaseUrl: string;
}

const WORDS: Record<Permission, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };
const PATIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function forbidden(rule: DenialRule, text: string, detail = text): FhirError {
  const error = FhirError.of(403, 'forbidden', rule, text);
  (error as FhirError & { denial?: AccessDenial }).denial = { rule, detail };
  return error;
}

export class AccessContext {
  /** The 'Patient/<id>' compartment keys of the rows this request read or wrote, for the audit trail. */
  readonly touched = new Set<string>();
  /** Set when a lookup by id found nothing the caller may see: the audit trail explains it to admins. */
  filteredLookup?: { type: string; id: string; permission: Permission };

  private constructor(
    readonly principal: FhirPrincipal | null,
    private readonly grants: ResourceScope[],
    private readonly defs: AccessDefinitions | null,
  ) {}

  /** The server's own work (admin CLI, start-up, internal lookups): every type, every row, no filter. */
  static internal(): AccessContext {
    return new AccessContext(null, [], null);
  }

  /** A caller's context: its resource scopes, kept only in the contexts its token can use. */
  static forPrincipal(principal: FhirPrincipal, defs: AccessDefinitions): AccessContext {
    const isUser = principal.role !== undefined;
    const grants = principal.scopes.map(parseResourceScope).filter((s): s is ResourceScope => {
      if (!s) return false;
      // patient/ scopes need a user and a launch patient; a patient user's launch patient must still be the
      // patient the account is linked to (an account relinked since consent keeps nothing of the old record).
      if (s.context === 'patient') {
        if (!isUser || principal.patient === undefined || !PATIENT_ID.test(principal.patient)) return false;
        return principal.role !== 'patient' || principal.fhirUser === `Patient/${principal.patient}`;
      }
      if (s.context === 'user') return principal.role === 'practitioner' || principal.role === 'admin';
      return !isUser; // system/ scopes belong to backend services, which act for no user
    });
    return new AccessContext(principal, grants, defs);
  }

  get isInternal(): boolean {
    return this.defs === null;
  }

  get isAdmin(): boolean {
    return this.principal?.role === 'admin';
  }

  /** Admin functions: an administrator's token that was granted read on every type (`user/*.rs` or wider). */
  get mayAdminister(): boolean {
    return this.isAdmin && this.grants.some((g) => g.context === 'user' && g.type === '*' && g.permissions.has('r') && g.restriction === undefined);
  }

  touch(keys: readonly string[] | null | undefined): void {
    for (const k of keys ?? []) this.touched.add(k);
  }

  private granting(type: string, permission: Permission): ResourceScope[] {
    return this.grants.filter((g) => (g.type === '*' || g.type === type) && g.permissions.has(permission));
  }

  /** Whether some scope gives `permission` on `type` (rows may still be filtered). */
  allows(type: string, permission: Permission): boolean {
    return this.isInternal || this.granting(type, permission).some((g) => this.applies(g, type, permission));
  }

  /** Refuses (403) a type the scopes give none of these permissions on. */
  require(type: string, permissions: readonly Permission[]): void {
    for (const p of permissions) {
      if (!this.allows(type, p)) {
        throw forbidden('scope-missing', `The access token does not allow ${WORDS[p]} on ${type.slice(0, 64)}`,
          `no granted scope gives ${p} on ${type.slice(0, 64)} (granted: ${this.grants.map((g) => g.text).join(' ') || 'none'})`);
      }
    }
  }

  /**
   * Whether a grant can reach anything of `type`. Outside the patient compartment, patient/ scopes and a
   * practitioner's user/ scopes read the shared types only (never write them: a practitioner who could write a
   * PractitionerRole could widen their own reach), and nothing else; a restriction must be one the type can evaluate.
   */
  private applies(g: ResourceScope, type: string, permission: Permission): boolean {
    const confined = g.context === 'patient' || (g.context === 'user' && !this.isAdmin);
    if (confined && !this.defs!.compartmentTypes.has(type)) {
      if (!SHARED_TYPES.has(type) || (permission !== 'r' && permission !== 's')) return false;
    }
    return g.restriction === undefined || this.defs!.restriction(type, g.restriction) !== null;
  }

  /**
   * The condition rows of `type` must meet for `permission`, or undefined when every row qualifies. It is
   * the OR over the granting scopes of (the scope's context reaches the row AND the row meets its restriction);
   * 'FALSE' when nothing grants it.
   */
  rowFilter(type: string, permission: Permission): RowFilter | undefined {
    if (this.isInternal || this.unfiltered(type, permission)) return undefined;
    return (b, alias, rowType) => this.condition(b, alias, rowType, permission);
  }

  /** A filter for rows of any type (chains, includes, system history): each row judged by its own type. */
  anyTypeFilter(permission: Permission): RowFilter | undefined {
    if (this.isInternal) return undefined;
    return (b, alias, rowType) => (this.unfiltered(rowType, permission) ? undefined : this.condition(b, alias, rowType, permission));
  }

  private unfiltered(type: string, permission: Permission): boolean {
    return this.granting(type, permission).some((g) => g.restriction === undefined && this.reachesAll(g, type, permission));
  }

  /** Whether a grant that applies to `type` reaches every row of it (shared types: applies() allowed reading only). */
  private reachesAll(g: ResourceScope, type: string, _permission: Permission): boolean {
    if (g.context === 'system' || !this.defs!.compartmentTypes.has(type)) return true;
    if (g.context === 'user') return this.isAdmin || this.defs!.practitionerAccess.has('all');
    return false;
  }

  condition(b: SqlBuilder, alias: string, type: string, permission: Permission): string {
    const parts: string[] = [];
    for (const g of this.granting(type, permission)) {
      if (!this.applies(g, type, permission)) continue;
      const reach = this.reachesAll(g, type, permission) ? undefined : this.reach(b, alias, g, permission);
      const restriction = g.restriction === undefined ? undefined : this.restrictionSql(b, alias, type, g.restriction);
      const both = [reach, restriction].filter((p): p is string => p !== undefined);
      if (both.length === 0) return 'TRUE';
      parts.push(both.length === 1 ? both[0] : `(${both.join(' AND ')})`);
    }
    return parts.length === 0 ? 'FALSE' : `(${parts.join(' OR ')})`;
  }

  /**
   * The rows a scope's context reaches, for a type in the patient compartment. Reading needs one of the
   * caller's patients in the row's compartments; writing needs all of them to be the caller's (and at least
   * one), so no write can put data into, or take it from, the record of a patient the caller may not see.
   */
  private reach(b: SqlBuilder, alias: string, g: ResourceScope, permission: Permission): string {
    const reads = permission === 'r' || permission === 's';
    if (g.context === 'patient') {
      const own = b.bind([`Patient/${this.principal!.patient}`], 'text[]');
      const rows = reads ? `${alias}.compartments @> ${own}` : `(${alias}.compartments @> ${own} AND ${alias}.compartments <@ ${own})`;
      // A practitioner's launch patient must still be one of the practitioner's patients, as the rule stands now.
      if (this.principal!.role !== 'practitioner' || this.defs!.practitionerAccess.has('all')) return rows;
      return `(${rows} AND ${own} <@ ${practitionerPatientsSql(b, this.principal?.fhirUser, this.defs!.practitionerAccess)})`;
    }
    const patients = practitionerPatientsSql(b, this.principal?.fhirUser, this.defs!.practitionerAccess);
    return reads ? `${alias}.compartments && ${patients}` : `(cardinality(${alias}.compartments) > 0 AND ${alias}.compartments <@ ${patients})`;
  }

  private restrictionSql(b: SqlBuilder, alias: string, type: string, restriction: string): string {
    const criteria = this.defs!.restriction(type, restriction)!;
    const ctx = { b, fhirBaseUrl: this.defs!.fhirBaseUrl };
    return criteria.map((c) => criterionSql(ctx, type, alias, c)).join(' AND ');
  }

  /**
   * Each scope that gives `permission` on `type`, with its two conditions kept apart (what its context reaches,
   * what its restriction asks), for the diagnostic that tells an administrator which one refused a row.
   */
  grantConditions(b: SqlBuilder, alias: string, type: string, permission: Permission): { scope: string; reach?: string; restriction?: string }[] {
    return this.granting(type, permission).filter((g) => this.applies(g, type, permission)).map((g) => ({
      scope: g.text,
      reach: this.reachesAll(g, type, permission) ? undefined : this.reach(b, alias, g, permission),
      restriction: g.restriction === undefined ? undefined : this.restrictionSql(b, alias, type, g.restriction),
    }));
  }

  /** Which rule keeps rows of `type` from this caller, for the audit trail: compartment or restriction. */
  filteringRules(type: string, permission: Permission): DenialRule {
    const granting = this.granting(type, permission).filter((g) => this.applies(g, type, permission));
    return granting.length > 0 && granting.every((g) => g.restriction !== undefined && this.reachesAll(g, type, permission))
      ? 'granular-restriction' : 'outside-compartment';
  }

  /** The granted resource scopes this context uses, as written. */
  get scopeTexts(): string[] {
    return this.grants.map((g) => g.text);
  }
}
