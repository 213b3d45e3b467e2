// Compiles the R4 StructureDefinitions into per-type lookup maps, lazily and once. https://hl7.org/fhir/R4/elementdefinition.html
import { baseStructureDefinitions, ElementDefinition, StructureDefinition } from '../conformance/definitions';
import { compileType, PrimitiveDef, TypeDef } from './type.compiler';

export type { ConstraintDef, ElementDef, PrimitiveDef, PropRef, TypeDef } from './type.compiler';

const R4_VERSION = '4.0.1';
const REGEX_EXT = 'http://hl7.org/fhir/StructureDefinition/regex';
const NUMERIC_PRIMITIVES = new Set(['integer', 'decimal', 'positiveInt', 'unsignedInt']);

export class StructureIndex {
  private readonly defs = new Map<string, StructureDefinition>();
  private readonly types = new Map<string, TypeDef>();
  private readonly primitiveDefs = new Map<string, PrimitiveDef>();
  private readonly resourceNames = new Set<string>();
  private readonly parents = new Map<string, string>();

  constructor(definitions: StructureDefinition[] = baseStructureDefinitions()) {
    for (const sd of definitions) {
      // The package also ships R4B definitions (SubscriptionStatus); they are not part of R4.
      if ((sd as { fhirVersion?: string }).fhirVersion !== R4_VERSION) continue;
      this.defs.set(sd.id, sd);
      if (sd.baseDefinition) this.parents.set(sd.id, sd.baseDefinition.slice(sd.baseDefinition.lastIndexOf('/') + 1));
      if (sd.kind === 'resource' && !sd.abstract && sd.derivation === 'specialization') this.resourceNames.add(sd.type);
      if (sd.kind === 'primitive-type') this.primitiveDefs.set(sd.type, this.primitive(sd));
    }
  }

  isResourceType(name: string): boolean {
    return this.resourceNames.has(name);
  }

  resourceTypeNames(): string[] {
    return [...this.resourceNames].sort();
  }

  getPrimitive(code: string): PrimitiveDef | undefined {
    return this.primitiveDefs.get(code);
  }

  /** A complex type, resource or Quantity profile by name; compiled on first request. */
  getType(name: string): TypeDef | undefined {
    let type = this.types.get(name);
    if (!type) {
      const sd = this.defs.get(name);
      if (!sd || sd.kind === 'primitive-type') return undefined;
      type = compileType(sd);
      this.types.set(name, type);
    }
    return type;
  }

  /** The type and all its ancestors (e.g. Age, Quantity, Element); used to match extension contexts. */
  ancestry(name: string): string[] {
    const out: string[] = [];
    for (let t: string | undefined = name; t && out.length < 10; t = this.parents.get(t)) out.push(t);
    return out;
  }

  private primitive(sd: StructureDefinition): PrimitiveDef {
    const value: ElementDefinition | undefined = sd.snapshot.element.find((e) => e.path === `${sd.type}.value`);
    const ext = value?.type?.[0]?.extension as { url: string; valueString?: string }[] | undefined;
    const source = ext?.find((e) => e.url === REGEX_EXT)?.valueString;
    const jsonType = sd.type === 'boolean' ? 'boolean' : NUMERIC_PRIMITIVES.has(sd.type) ? 'number' : 'string';
    // The published patterns are XML Schema regexes, implicitly anchored at both ends.
    return { name: sd.type, jsonType, regex: source ? new RegExp(`^(?:${source})$`) : undefined };
  }
}

let shared: StructureIndex | undefined;

/** The process-wide index, built on first use. */
export function structureIndex(): StructureIndex {
  shared ??= new StructureIndex();
  return shared;
}
