// Searches that reach past their matches: _include, _revinclude, :iterate, chains and _has, each described by
// what it finds when nothing is hidden. A match counts only when the resources its chain or _has goes through
// may be seen too; an included resource only when it, and the resource it was included from, may be seen.
// https://hl7.org/fhir/R4/search.html#include https://hl7.org/fhir/R4/search.html#chaining
import { World } from './access-world';
import { Expect, Probe } from './matrix-runner';
import { codeOf, familyOf, identifierOf } from './seed-records';
import { KindName } from './token-kinds';

export interface Scenario {
  label: string;
  type: string;
  /** The query, with `{key}` standing for the id of a seeded resource. */
  query: string;
  /** What matches with nothing hidden: key, and the keys of which at least one must be visible for it to count. */
  matches: [string, string[]?][];
  /** Inclusion edges [from, to]: `to` comes in when `from` is in the answer and `to` may be seen. */
  edges?: [string, string][];
}

const q = encodeURIComponent;
const obsOf = (p: 'A' | 'B') => [`${p}-lab`, `${p}-vital`, `${p}-panel`, ...(p === 'A' ? ['AB-obs'] : [])];

export const SCENARIOS: Scenario[] = [
  { label: 'include focus', type: 'Observation', query: '_id={A-lab}&_include=Observation:focus', matches: [['A-lab']], edges: [['A-lab', 'B-vital']] },
  { label: 'include subject', type: 'Observation', query: '_id={A-lab},{B-lab}&_include=Observation:subject', matches: [['A-lab'], ['B-lab']], edges: [['A-lab', 'A'], ['B-lab', 'B']] },
  { label: 'revinclude has-member', type: 'Observation', query: '_id={A-lab}&_revinclude=Observation:has-member', matches: [['A-lab']], edges: [['A-lab', 'B-panel']] },
  {
    label: 'include has-member, iterate focus', type: 'Observation', query: '_id={A-panel}&_include=Observation:has-member&_include:iterate=Observation:focus',
    matches: [['A-panel']], edges: [['A-panel', 'B-lab'], ['B-lab', 'A-vital']],
  },
  {
    label: 'include has-member, iterate focus (from B)', type: 'Observation', query: '_id={B-panel}&_include=Observation:has-member&_include:iterate=Observation:focus',
    matches: [['B-panel']], edges: [['B-panel', 'A-lab'], ['A-lab', 'B-vital']],
  },
  { label: 'include derived-from', type: 'Observation', query: '_id={A-panel},{B-panel}&_include=Observation:derived-from', matches: [['A-panel'], ['B-panel']], edges: [['A-panel', 'B-vital'], ['B-panel', 'A-vital']] },
  { label: 'include results', type: 'DiagnosticReport', query: '_id={A-report}&_include=DiagnosticReport:result', matches: [['A-report']], edges: [['A-report', 'A-lab'], ['A-report', 'B-lab']] },
  { label: 'revinclude subject', type: 'Patient', query: '_id={A}&_revinclude=Observation:subject', matches: [['A']], edges: obsOf('A').map((k): [string, string] => ['A', k]) },
  { label: 'revinclude performer', type: 'Patient', query: '_id={B}&_revinclude=Observation:performer', matches: [['B']], edges: [['B', 'B-perf'], ['B', 'AB-obs']] },
  {
    label: 'include shared targets', type: 'MedicationRequest', query: '_include=MedicationRequest:medication&_include=MedicationRequest:requester',
    matches: [['A-medreq'], ['B-medreq']], edges: [['A-medreq', 'med'], ['A-medreq', 'p1'], ['B-medreq', 'med'], ['B-medreq', 'p1']],
  },
  {
    label: 'include patient, revinclude:iterate subject', type: 'Encounter', query: '_id={A-enc},{B-enc}&_include=Encounter:patient&_revinclude:iterate=Observation:patient',
    matches: [['A-enc'], ['B-enc']], edges: [['A-enc', 'A'], ['B-enc', 'B'], ...obsOf('A').map((k): [string, string] => ['A', k]), ...obsOf('B').map((k): [string, string] => ['B', k])],
  },
  { label: 'revinclude patients of an organization', type: 'Organization', query: '_id={org1}&_revinclude=Patient:organization', matches: [['org1']], edges: [['org1', 'A']] },
  { label: 'revinclude patients of a practitioner', type: 'Practitioner', query: '_id={p3}&_revinclude=Patient:general-practitioner', matches: [['p3']], edges: [['p3', 'B']] },
  { label: 'revinclude orders of a medication', type: 'Medication', query: '_id={med}&_revinclude=MedicationRequest:medication', matches: [['med']], edges: [['med', 'A-medreq'], ['med', 'B-medreq']] },
  { label: 'chain subject name', type: 'Observation', query: `subject:Patient.name=${familyOf('B')}`, matches: [['B-lab', ['B']], ['B-vital', ['B']], ['B-panel', ['B']]] },
  { label: 'chain subject identifier', type: 'Observation', query: `subject:Patient.identifier=${q(identifierOf('A'))}`, matches: obsOf('A').map((k): [string, string[]] => [k, ['A']]) },
  { label: 'chain focus code', type: 'Observation', query: `focus:Observation.code=${q(codeOf('B-vital'))}`, matches: [['A-lab', ['B-vital']]] },
  { label: 'chain has-member code', type: 'Observation', query: `has-member:Observation.code=${q(codeOf('B-lab'))}`, matches: [['A-panel', ['B-lab']]] },
  { label: 'chain result code', type: 'DiagnosticReport', query: `result:Observation.code=${q(codeOf('B-lab'))}`, matches: [['A-report', ['B-lab']], ['B-report', ['B-lab']]] },
  { label: 'chain to a shared resource', type: 'Encounter', query: 'service-provider:Organization.name=Org-one', matches: [['A-enc', ['org1']], ['B-enc', ['org1']]] },
  { label: 'chain patient organization', type: 'Patient', query: 'organization:Organization.name=Org-one', matches: [['A', ['org1']]] },
  { label: '_has has-member', type: 'Observation', query: `_has:Observation:has-member:code=${q(codeOf('B-panel'))}`, matches: [['A-lab', ['B-panel']]] },
  { label: '_has subject', type: 'Patient', query: `_has:Observation:subject:code=${q(codeOf('A-lab'))}`, matches: [['A', ['A-lab']]] },
  { label: '_has performer', type: 'Patient', query: `_has:Observation:performer:code=${q(codeOf('AB-obs'))}`, matches: [['B', ['AB-obs']]] },
  { label: '_has condition', type: 'Patient', query: `_has:Condition:subject:code=${q(codeOf('B-cond'))}`, matches: [['B', ['B-cond']]] },
  { label: '_has from a shared resource', type: 'Organization', query: `_has:Patient:organization:identifier=${q(identifierOf('A'))}`, matches: [['org1', ['A']]] },
  { label: '_has orders of a medication', type: 'Medication', query: `_has:MedicationRequest:medication:identifier=${q(identifierOf('B-medreq'))}`, matches: [['med', ['B-medreq']]] },
  { label: 'code', type: 'Observation', query: `code=${q(codeOf('B-lab'))}`, matches: [['B-lab']] },
  { label: 'patient', type: 'Observation', query: 'patient={B}', matches: [['B-lab'], ['B-vital'], ['B-panel']] },
  { label: 'name', type: 'Patient', query: 'name=Family', matches: [['A'], ['B']] },
  { label: 'practitioner name', type: 'Practitioner', query: 'name=Prac', matches: [['p1'], ['p2'], ['p3']] },
  { label: 'organization name', type: 'Organization', query: 'name=Org', matches: [['org1'], ['org2']] },
  { label: 'identifier list', type: 'Observation', query: `identifier=${q(identifierOf('A-lab'))},${q(identifierOf('B-lab'))}`, matches: [['A-lab'], ['B-lab']] },
];

/** The probe of one scenario for one caller, with the answer the oracle derives. */
export function scenarioProbe(w: World, kind: KindName, s: Scenario): Probe {
  const o = (key: string) => w.book.get(key);
  const ref = (key: string) => `${o(key).type}/${o(key).id}`;
  const path = `${s.type}?${s.query.replace(/\{([^}]+)\}/g, (_m, key: string) => o(key).id)}&_total=accurate&_count=200`;
  const involved = new Set([...s.matches.flatMap(([k, via]) => [k, ...(via ?? [])]), ...(s.edges ?? []).flat()].map((k) => o(k).type));
  let expect: Expect;
  if (!w.oracle.grantsOn(kind, s.type, 's')) expect = { status: 403 };
  else {
    const readable = (key: string) => w.oracle.readable(kind, o(key));
    const matched = s.matches.filter(([k, via]) => w.oracle.sees(kind, o(k), 's') && (via === undefined || via.some(readable))).map(([k]) => k);
    const answer = new Set(matched);
    for (let grew = true; grew;) {
      grew = false;
      for (const [from, to] of s.edges ?? []) {
        if (answer.has(from) && !answer.has(to) && readable(to)) {
          answer.add(to);
          grew = true;
        }
      }
    }
    const includes = [...answer].filter((k) => !matched.includes(k));
    // A search through a type the caller holds no scope on may be refused, or find nothing there.
    const partial = [...involved].some((t) => !w.oracle.grantsOn(kind, t, 'r') && !w.oracle.grantsOn(kind, t, 's'));
    expect = { status: partial ? [200, 403] : 200, matches: matched.map(ref), includes: includes.map(ref), total: matched.length };
  }
  return { label: s.label, kind, method: 'GET', path, expect };
}
