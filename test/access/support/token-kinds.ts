// The callers of the authorization matrix: which token each holds (scopes, launch patient, user), and the
// tokens that must not authenticate at all. https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html

/** The two patients of the seeded world; compartment owners are named by these labels. */
export type PatientLabel = 'A' | 'B';

/** The users the world creates: patients, practitioners in and out of reach, and an administrator. */
export type UserLabel = 'patientA' | 'patientB' | 'practOrg' | 'practGp' | 'practOut' | 'admin';

export const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

export interface ValidKind {
  valid: true;
  scopes: string;
  /** The launch patient (`patient` claim), for patient/ scopes. */
  patient?: PatientLabel;
  /** The signed-in user, absent for a backend service. */
  user?: UserLabel;
}

/** Why a token must be refused with 401. */
export type Refusal = 'none' | 'garbage' | 'expired' | 'revoked' | 'wrongAudience' | 'unknownKey' | 'unknownKid';

export interface InvalidKind {
  valid: false;
  refusal: Refusal;
}

export type TokenKind = ValidKind | InvalidKind;

export const KINDS = {
  patientA: { valid: true, scopes: 'patient/*.cruds', patient: 'A', user: 'patientA' },
  patientB: { valid: true, scopes: 'patient/*.*', patient: 'B', user: 'patientB' },
  patientAread: { valid: true, scopes: 'patient/*.read', patient: 'A', user: 'patientA' },
  patientAwrite: { valid: true, scopes: 'patient/*.cud', patient: 'A', user: 'patientA' },
  granular: { valid: true, scopes: `patient/Observation.rs?category=${LAB}`, patient: 'A', user: 'patientA' },
  practOrg: { valid: true, scopes: 'user/*.cruds', user: 'practOrg' },
  practGp: { valid: true, scopes: 'user/*.*', user: 'practGp' },
  practOut: { valid: true, scopes: 'user/*.cruds', user: 'practOut' },
  admin: { valid: true, scopes: 'user/*.cruds', user: 'admin' },
  adminPatA: { valid: true, scopes: 'patient/*.rs', patient: 'A', user: 'admin' },
  adminPatB: { valid: true, scopes: 'patient/*.rs', patient: 'B', user: 'admin' },
  backendNarrow: { valid: true, scopes: 'system/Observation.rs' },
  backendWide: { valid: true, scopes: 'system/*.cruds' },
  none: { valid: false, refusal: 'none' },
  garbage: { valid: false, refusal: 'garbage' },
  expired: { valid: false, refusal: 'expired' },
  revoked: { valid: false, refusal: 'revoked' },
  wrongAudience: { valid: false, refusal: 'wrongAudience' },
  unknownKey: { valid: false, refusal: 'unknownKey' },
  unknownKid: { valid: false, refusal: 'unknownKid' },
} as const satisfies Record<string, TokenKind>;

export type KindName = keyof typeof KINDS;

export const KIND_NAMES = Object.keys(KINDS) as KindName[];
export const VALID_KINDS = KIND_NAMES.filter((k) => KINDS[k].valid);
export const INVALID_KINDS = KIND_NAMES.filter((k) => !KINDS[k].valid);

/** The callers every path is tried with: one of each way of reaching data, and every refused token. */
export const MATRIX_KINDS: KindName[] = [
  'patientA', 'patientB', 'patientAread', 'patientAwrite', 'granular', 'practOrg', 'practGp', 'practOut', 'admin',
  'backendNarrow', 'backendWide', ...INVALID_KINDS,
];

/**
 * Which patients a practitioner's user/ scopes reach in the seeded world: practOrg has a PractitionerRole at
 * the Organization managing A, practGp is B's general practitioner, practOut works for another Organization.
 */
export const PRACTITIONER_REACH: Record<UserLabel, readonly PatientLabel[] | 'all'> = {
  patientA: [], patientB: [], practOrg: ['A'], practGp: ['B'], practOut: [], admin: 'all',
};
