// Turns one StructureDefinition snapshot into lookup tables: JSON property -> element, required elements, constraints.
import { ElementDefinition, ElementDefinitionType, StructureDefinition } from '../conformance/definitions';

export interface ConstraintDef {
  readonly key: string;
  readonly severity: 'error' | 'warning';
  readonly human: string;
  readonly expression: string;
}

export interface ElementDef {
  /** JSON name without the choice suffix (value for value[x]). */
  readonly name: string;
  /** Definition path, e.g. Observation.value[x]. */
  readonly path: string;
  /** Path of the element that first defined it, e.g. DomainResource.text. */
  readonly basePath: string;
  readonly min: number;
  /** Infinity for '*'. */
  readonly max: number;
  /** JSON arrays follow the base definition's max, so a profile cannot change the JSON shape. */
  readonly isArray: boolean;
  readonly choice: boolean;
  /** The JSON property names this element may appear under (one per type for a choice). */
  readonly jsonNames: string[];
  readonly types: string[];
  readonly constraints: ConstraintDef[];
  readonly binding?: { readonly strength: string; readonly valueSet: string };
  /** Inline children (BackboneElement / Element) or the target of a contentReference. */
  backbone?: TypeDef;
}

export interface PropRef {
  readonly element: ElementDef;
  readonly type: string;
}

export interface TypeDef {
  /** Type name, or the definition path of a backbone element. */
  readonly name: string;
  /** The type FHIRPath knows the node as (Quantity for SimpleQuantity, BackboneElement for backbones). */
  readonly fhirType: string;
  readonly kind: 'resource' | 'complex-type' | 'backbone';
  /** Base passed to the FHIRPath compiler so that child types resolve correctly. */
  readonly fhirpathBase: string;
  readonly elements: ElementDef[];
  readonly props: Map<string, PropRef>;
  readonly required: ElementDef[];
  readonly constraints: ConstraintDef[];
}

export interface PrimitiveDef {
  readonly name: string;
  readonly jsonType: 'string' | 'number' | 'boolean';
  readonly regex?: RegExp;
}

/** Constraint profiles on Quantity that the base spec uses as element types. */
const QUANTITY_PROFILES: Record<string, string> = {
  'http://hl7.org/fhir/StructureDefinition/SimpleQuantity': 'SimpleQuantity',
  'http://hl7.org/fhir/StructureDefinition/MoneyQuantity': 'MoneyQuantity',
};

/** The type code of one ElementDefinition.type, resolving FHIRPath system types and Quantity profiles. */
export function typeCodeOf(type: ElementDefinitionType): string {
  if (type.code.startsWith('http://hl7.org/fhirpath/System.')) {
    const fhirType = type.extension?.find((e) => e.url.endsWith('/structuredefinition-fhir-type'));
    const url = fhirType?.valueUrl ?? fhirType?.valueUri;
    if (url) return url;
    return type.code === 'http://hl7.org/fhirpath/System.String' ? 'string' : type.code.slice(31).toLowerCase();
  }
  if (type.code === 'Quantity') {
    for (const p of type.profile ?? []) if (QUANTITY_PROFILES[p]) return QUANTITY_PROFILES[p];
  }
  return type.code;
}

interface MutableType extends TypeDef {
  elements: ElementDef[];
  constraints: ConstraintDef[];
}

/** Choice suffixes name the datatype, never the profile (doseQuantity, not doseSimpleQuantity). */
function choiceSuffix(type: string): string {
  const base = type === 'SimpleQuantity' || type === 'MoneyQuantity' ? 'Quantity' : type;
  return base.charAt(0).toUpperCase() + base.slice(1);
}

function constraintsOf(el: ElementDefinition): ConstraintDef[] {
  const out: ConstraintDef[] = [];
  for (const c of el.constraint ?? []) {
    // ele-1 is checked directly by the walker; constraints without FHIRPath cannot be evaluated.
    if (c.key === 'ele-1' || !c.expression) continue;
    out.push({ key: c.key, severity: c.severity, human: c.human, expression: c.expression });
  }
  return out;
}

function newType(name: string, fhirType: string, kind: TypeDef['kind'], fhirpathBase: string): MutableType {
  return { name, fhirType, kind, fhirpathBase, elements: [], props: new Map(), required: [], constraints: [] };
}

/** Compiles a resource, complex type or Quantity profile, including all its backbone elements. */
export function compileType(sd: StructureDefinition): TypeDef {
  const kind = sd.kind === 'resource' ? 'resource' : 'complex-type';
  const snapshot = sd.snapshot.element.filter((e) => !e.sliceName && !(e.id ?? '').includes(':'));
  const rootPath = snapshot[0].path;
  const root = newType(sd.id, sd.type, kind, sd.type);
  root.constraints = constraintsOf(snapshot[0]);
  const nodes = new Map<string, MutableType>([[rootPath, root]]);
  const byPath = new Map<string, ElementDef>();
  const contentRefs: [ElementDef, string][] = [];

  for (const el of snapshot.slice(1)) {
    const dot = el.path.lastIndexOf('.');
    const parentPath = el.path.slice(0, dot);
    let parent = nodes.get(parentPath);
    const owner = byPath.get(parentPath);
    if (!parent) {
      if (!owner) continue; // children of an element we do not know: ignore rather than guess
      parent = newType(parentPath, 'BackboneElement', 'backbone', parentPath);
      parent.constraints = owner.constraints;
      owner.backbone = parent;
      nodes.set(parentPath, parent);
    }
    const rawName = el.path.slice(dot + 1);
    const choice = rawName.endsWith('[x]');
    const types = (el.type ?? []).map(typeCodeOf);
    const name = choice ? rawName.slice(0, -3) : rawName;
    const def: ElementDef = {
      name,
      path: el.path,
      basePath: el.base?.path ?? el.path,
      min: el.min ?? 0,
      max: el.max === '*' ? Infinity : Number(el.max ?? '1'),
      isArray: (el.base?.max ?? el.max) !== '1' && (el.base?.max ?? el.max) !== '0',
      choice,
      jsonNames: choice ? types.map((t) => name + choiceSuffix(t)) : [name],
      types,
      constraints: constraintsOf(el),
      binding: el.binding?.valueSet ? { strength: el.binding.strength, valueSet: el.binding.valueSet } : undefined,
    };
    byPath.set(el.path, def);
    if (el.contentReference) contentRefs.push([def, el.contentReference.slice(el.contentReference.indexOf('#') + 1)]);
    parent.elements.push(def);
  }

  for (const [def, target] of contentRefs) {
    const targetEl = byPath.get(target);
    def.backbone = nodes.get(target) ?? targetEl?.backbone;
  }
  for (const node of nodes.values()) indexProps(node);
  return root;
}

function indexProps(node: MutableType): void {
  for (const el of node.elements) {
    if (el.min > 0) node.required.push(el);
    if (el.choice) {
      el.types.forEach((t, i) => node.props.set(el.jsonNames[i], { element: el, type: t }));
    } else {
      // Backbone elements are typed BackboneElement/Element in the snapshot; a contentReference has no type.
      const type = el.backbone ? 'BackboneElement' : (el.types[0] ?? 'BackboneElement');
      node.props.set(el.name, { element: el, type });
    }
  }
}
