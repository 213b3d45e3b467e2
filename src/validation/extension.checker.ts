// Checks uses of the extensions defined by the R4 core spec: allowed context and value type. https://hl7.org/fhir/R4/extensibility.html
import { readR4Definitions } from '../conformance/definitions';
import { IssueSink, JsonObject } from './issue.sink';
import { StructureIndex } from './structure.index';
import { typeCodeOf } from './type.compiler';
import type { ElementDefinition } from '../conformance/definitions';

/** Where an extension sits: the element holding the `extension` array. */
export interface ExtensionHolder {
  /** Datatype of the holder (HumanName, date, BackboneElement, Patient...). */
  readonly typeName: string;
  /** Definition path of the holder (Patient.name, HumanName.family, Patient). */
  readonly elementPath: string;
  readonly basePath: string;
  /** Set when the holder is itself an extension. */
  readonly extensionUrl?: string;
}

interface ExtensionDefinition {
  readonly contexts: { type: string; expression: string }[];
  /** Empty when the extension is complex (value[x] prohibited). */
  readonly valueTypes: ReadonlySet<string>;
}

interface ExtensionStructure {
  url: string;
  fhirVersion?: string;
  context?: { type: string; expression: string }[];
  snapshot?: { element: ElementDefinition[] };
}

export class ExtensionChecker {
  private definitions?: Map<string, ExtensionDefinition>;

  constructor(private readonly index: StructureIndex) {}

  check(ext: JsonObject, holder: ExtensionHolder, path: string, sink: IssueSink): void {
    if (typeof ext.url !== 'string') return;
    const def = this.load().get(ext.url);
    if (!def) return; // not a core extension: nothing to check it against (unknown extensions are allowed)
    if (!this.contextAllows(def, holder)) {
      const allowed = def.contexts.map((c) => c.expression).join(', ');
      sink.error('extension-context', `The extension ${ext.url} is not allowed on ${holder.elementPath} (allowed on: ${allowed})`, path);
    }
    const extensionType = this.index.getType('Extension');
    for (const key in ext) {
      const ref = extensionType?.props.get(key);
      if (!ref || !ref.element.choice || def.valueTypes.has(ref.type)) continue;
      const expected = def.valueTypes.size > 0 ? `one of: ${[...def.valueTypes].join(', ')}` : 'no value (it is a complex extension)';
      sink.error('extension-value-type', `The extension ${ext.url} has a value of type ${ref.type}, but its definition allows ${expected}`, path);
    }
  }

  private contextAllows(def: ExtensionDefinition, holder: ExtensionHolder): boolean {
    if (def.contexts.length === 0) return true;
    let ancestry: string[] | undefined;
    for (const { type, expression } of def.contexts) {
      if (type === 'fhirpath') return true; // not evaluated: accept rather than guess
      if (type === 'extension') {
        if (holder.extensionUrl === expression) return true;
        continue;
      }
      if (expression === 'Element' || expression === holder.elementPath || expression === holder.basePath) return true;
      ancestry ??= this.index.ancestry(holder.typeName);
      if (ancestry.includes(expression)) return true;
    }
    return false;
  }

  private load(): Map<string, ExtensionDefinition> {
    if (this.definitions) return this.definitions;
    const defs = new Map<string, ExtensionDefinition>();
    for (const { resource } of readR4Definitions<ExtensionStructure>('extension-definitions.json').entry) {
      if (resource.fhirVersion && resource.fhirVersion !== '4.0.1') continue;
      const value = resource.snapshot?.element.find((e) => e.path === 'Extension.value[x]' && !e.sliceName);
      const valueTypes = new Set(value && value.max !== '0' ? (value.type ?? []).map(typeCodeOf) : []);
      defs.set(resource.url, { contexts: resource.context ?? [], valueTypes });
    }
    this.definitions = defs;
    return defs;
  }
}
