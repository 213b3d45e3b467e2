// Expands R4 ValueSets locally from the published terminology bundles, without a terminology server. https://hl7.org/fhir/R4/valueset.html#compositions
import { readR4Definitions } from '../conformance/definitions';

/** system -> codes. */
export type Expansion = ReadonlyMap<string, ReadonlySet<string>>;

interface Concept {
  code: string;
  concept?: Concept[];
}

interface CodeSystemResource {
  resourceType: 'CodeSystem';
  url: string;
  content?: string;
  concept?: Concept[];
}

interface ConceptSet {
  system?: string;
  concept?: { code: string }[];
  filter?: unknown[];
  valueSet?: string[];
}

interface ValueSetResource {
  resourceType: 'ValueSet';
  url: string;
  compose?: { include?: ConceptSet[]; exclude?: ConceptSet[] };
  expansion?: { contains?: ExpansionContains[] };
}

interface ExpansionContains {
  system?: string;
  code?: string;
  contains?: ExpansionContains[];
}

const BUNDLES = ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json'];

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

function addCode(out: Map<string, Set<string>>, system: string, code: string): void {
  let codes = out.get(system);
  if (!codes) out.set(system, (codes = new Set()));
  codes.add(code);
}

function addConcepts(out: Map<string, Set<string>>, system: string, concepts: Concept[] | undefined): void {
  for (const c of concepts ?? []) {
    addCode(out, system, c.code);
    addConcepts(out, system, c.concept);
  }
}

function addContains(out: Map<string, Set<string>>, contains: ExpansionContains[] | undefined): void {
  for (const c of contains ?? []) {
    if (c.system && c.code) addCode(out, c.system, c.code);
    addContains(out, c.contains);
  }
}

export class ValueSetExpander {
  private valueSets?: Map<string, ValueSetResource>;
  private codeSystems?: Map<string, CodeSystemResource>;
  private readonly cache = new Map<string, Expansion | null>();

  /**
   * The codes of the value set, or null when it cannot be expanded locally: unknown value set, code
   * systems that are not published in full in the bundles (UCUM, BCP-13 mime types, ISO 4217, LOINC,
   * SNOMED), or filter-based rules. Callers do not report bindings to such value sets.
   */
  expand(url: string): Expansion | null {
    const key = stripVersion(url);
    let result = this.cache.get(key);
    if (result === undefined) {
      this.cache.set(key, null); // guards against import cycles
      result = this.compute(key);
      this.cache.set(key, result);
    }
    return result;
  }

  private load(): void {
    this.valueSets = new Map();
    this.codeSystems = new Map();
    for (const file of BUNDLES) {
      for (const { resource } of readR4Definitions<ValueSetResource | CodeSystemResource>(file).entry) {
        if (resource.resourceType === 'ValueSet') this.valueSets.set(resource.url, resource);
        else if (resource.resourceType === 'CodeSystem') this.codeSystems.set(resource.url, resource);
      }
    }
  }

  private compute(url: string): Expansion | null {
    if (!this.valueSets) this.load();
    const vs = this.valueSets?.get(url);
    if (!vs) return null;
    const out = new Map<string, Set<string>>();
    if (!vs.compose) {
      if (!vs.expansion?.contains) return null;
      addContains(out, vs.expansion.contains);
      return out;
    }
    for (const set of vs.compose.include ?? []) {
      if (!this.include(set, out)) return null;
    }
    for (const set of vs.compose.exclude ?? []) {
      if (!set.system || !set.concept || set.filter || set.valueSet) return null;
      for (const c of set.concept) out.get(set.system)?.delete(c.code);
    }
    return out;
  }

  private include(set: ConceptSet, out: Map<string, Set<string>>): boolean {
    if (set.filter && set.filter.length > 0) return false;
    if (set.valueSet && set.valueSet.length > 0) {
      // An include naming both a system and value sets is an intersection; rare, so not expanded.
      if (set.system) return false;
      for (const imported of set.valueSet) {
        const exp = this.expand(imported);
        if (!exp) return false;
        for (const [system, codes] of exp) for (const code of codes) addCode(out, system, code);
      }
      return true;
    }
    if (!set.system) return false;
    if (set.concept) {
      for (const c of set.concept) addCode(out, set.system, c.code);
      return true;
    }
    const cs = this.codeSystems?.get(set.system);
    if (!cs || cs.content !== 'complete') return false;
    addConcepts(out, set.system, cs.concept);
    if (!out.has(set.system)) out.set(set.system, new Set());
    return true;
  }
}
