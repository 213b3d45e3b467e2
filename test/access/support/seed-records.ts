// The seeded world of the matrix: patients A and B with their clinical records, the shared Organizations,
// Practitioners, roles, Medication and Location, and links across the two patients (focus, hasMember,
// DiagnosticReport.result) that includes, chains and _has must not follow into the other patient's data.
import { LAB, PatientLabel } from './token-kinds';

export type Ref = (key: string) => { reference: string };

export interface SeedRecord {
  key: string;
  type: string;
  owners: PatientLabel[];
  categories?: string[];
  build(ref: Ref): Record<string, unknown>;
}

export const ID_SYSTEM = 'http://example.org/access-test/id';
export const CODE_SYSTEM = 'http://example.org/access-test/code';
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

export const identifierOf = (key: string) => `${ID_SYSTEM}|ID-${key}`;
export const codeOf = (key: string) => `${CODE_SYSTEM}|CODE-${key}`;
export const familyOf = (key: string) => `Family-${key}`;

const identifier = (key: string) => [{ system: ID_SYSTEM, value: `ID-${key}` }];
const code = (key: string) => ({ coding: [{ system: CODE_SYSTEM, code: `CODE-${key}` }], text: `code of ${key}` });
const category = (c: string) => [{ coding: [{ system: c.split('|')[0], code: c.split('|')[1] }] }];

function observation(key: string, owners: PatientLabel[], cat: string, links: (ref: Ref) => Record<string, unknown>): SeedRecord {
  return {
    key, type: 'Observation', owners, categories: [cat],
    build: (ref) => ({ resourceType: 'Observation', identifier: identifier(key), status: 'final', category: category(cat), code: code(key), ...links(ref) }),
  };
}

function shared(key: string, type: string, body: (ref: Ref) => Record<string, unknown>): SeedRecord {
  return { key, type, owners: [], build: (ref) => ({ resourceType: type, identifier: identifier(key), ...body(ref) }) };
}

function patientRecords(x: PatientLabel, y: PatientLabel): SeedRecord[] {
  const own = (key: string, type: string, body: (ref: Ref) => Record<string, unknown>): SeedRecord =>
    ({ key: `${x}-${key}`, type, owners: [x], build: (ref) => ({ resourceType: type, identifier: identifier(`${x}-${key}`), ...body(ref) }) });
  return [
    {
      key: x, type: 'Patient', owners: [x],
      build: (ref) => ({
        resourceType: 'Patient', identifier: identifier(x), name: [{ family: familyOf(x), given: ['Pat'] }], birthDate: '1980-01-01',
        ...(x === 'A' ? { managingOrganization: ref('org1') } : { generalPractitioner: [ref('p3')] }),
      }),
    },
    observation(`${x}-lab`, [x], LAB, (ref) => ({ subject: ref(x), focus: [ref(`${y}-vital`)] })),
    observation(`${x}-vital`, [x], VITALS, (ref) => ({ subject: ref(x) })),
    observation(`${x}-panel`, [x], VITALS, (ref) => ({ subject: ref(x), hasMember: [ref(`${y}-lab`)], derivedFrom: [ref(`${y}-vital`)] })),
    observation(`${x}-perf`, [x], LAB, (ref) => ({ performer: [ref(x)] })),
    own('cond', 'Condition', (ref) => ({ subject: ref(x), code: code(`${x}-cond`) })),
    own('medreq', 'MedicationRequest', (ref) => ({
      status: 'active', intent: 'order', medicationReference: ref('med'), subject: ref(x), requester: ref('p1'),
    })),
    own('enc', 'Encounter', (ref) => ({
      status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: ref(x),
      serviceProvider: ref('org1'), location: [{ location: ref('loc') }], participant: [{ individual: ref('p1') }],
    })),
    own('allergy', 'AllergyIntolerance', (ref) => ({
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
      code: code(`${x}-allergy`), patient: ref(x),
    })),
    own('report', 'DiagnosticReport', (ref) => ({ status: 'final', code: code(`${x}-report`), subject: ref(x), result: [ref(`${x}-lab`), ref(`${y}-lab`)] })),
    own('proc', 'Procedure', (ref) => ({ status: 'completed', code: code(`${x}-proc`), subject: ref(x) })),
  ];
}

export const SEED_RECORDS: SeedRecord[] = [
  shared('org1', 'Organization', () => ({ name: 'Org-one' })),
  shared('org2', 'Organization', () => ({ name: 'Org-two' })),
  shared('p1', 'Practitioner', () => ({ name: [{ family: 'Prac-one' }] })),
  shared('p2', 'Practitioner', () => ({ name: [{ family: 'Prac-two' }] })),
  shared('p3', 'Practitioner', () => ({ name: [{ family: 'Prac-three' }] })),
  shared('role1', 'PractitionerRole', (ref) => ({ practitioner: ref('p1'), organization: ref('org1') })),
  shared('role2', 'PractitionerRole', (ref) => ({ practitioner: ref('p2'), organization: ref('org2') })),
  shared('med', 'Medication', () => ({ code: code('med') })),
  shared('loc', 'Location', () => ({ name: 'Loc-one' })),
  ...patientRecords('A', 'B'),
  ...patientRecords('B', 'A'),
  observation('AB-obs', ['A', 'B'], VITALS, (ref) => ({ subject: ref('A'), performer: [ref('B')] })),
  observation('orphan-obs', [], LAB, () => ({})),
];
