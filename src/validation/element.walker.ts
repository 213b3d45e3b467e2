// Walks one resource's JSON against the compiled definitions and dispatches each node to its checks. https://hl7.org/fhir/R4/json.html
import { BindingChecker } from './binding.checker';
import { checkBundle } from './bundle.rules';
import { checkContainedReferenced, checkLocalReference } from './contained.rules';
import { ExtensionChecker, ExtensionHolder } from './extension.checker';
import { checkConstraints, mergeConstraints } from './invariant.checker';
import { IssueSink, isJsonObject, JsonObject, jsonKind, resourceScope, ResourceScope } from './issue.sink';
import { PrimitiveWalker } from './primitive.walker';
import { StructureIndex } from './structure.index';
import { ConstraintDef, ElementDef, PropRef, TypeDef } from './type.compiler';

export interface Checkers {
  readonly index: StructureIndex;
  readonly bindings: BindingChecker;
  readonly extensions: ExtensionChecker;
}

/** Far deeper than any real resource (Questionnaire items, bundles of contained resources). */
const MAX_DEPTH = 100;

/** Merged type + use-site constraints, per element and type (choice elements have several types). */
const mergedConstraints = new WeakMap<ElementDef, Map<string, ConstraintDef[]>>();

function constraintsFor(el: ElementDef, type: TypeDef): ConstraintDef[] {
  let byType = mergedConstraints.get(el);
  if (!byType) mergedConstraints.set(el, (byType = new Map()));
  let list = byType.get(type.name);
  if (!list) byType.set(type.name, (list = mergeConstraints(type.constraints, el.constraints)));
  return list;
}

const forContained = new WeakMap<TypeDef, ConstraintDef[]>();

/** Contained resources carry no narrative of their own (DomainResource.text), so dom-6 does not apply. */
function containedConstraints(type: TypeDef): ConstraintDef[] {
  let list = forContained.get(type);
  if (!list) forContained.set(type, (list = type.constraints.filter((c) => c.key !== 'dom-6')));
  return list;
}

export class ElementWalker {
  private readonly primitives: PrimitiveWalker;
  private depth = 0;

  constructor(private readonly checkers: Checkers, private readonly sink: IssueSink) {
    this.primitives = new PrimitiveWalker(checkers, sink, (obj, type, path, scope, holder, hasValue) =>
      this.object(obj, type, path, scope, holder, hasValue),
    );
  }

  /** Validates a resource at `path`; `container` is set for contained resources (it is their %rootResource). */
  resource(value: unknown, path: string, container?: ResourceScope): void {
    const { index } = this.checkers;
    if (!isJsonObject(value)) {
      this.sink.error('not-an-object', `A resource must be a JSON object, not ${jsonKind(value)}`, path);
      return;
    }
    const rt = value.resourceType;
    if (rt === undefined) {
      this.sink.error('missing-resource-type', 'The resource has no resourceType', path);
      return;
    }
    const type = typeof rt === 'string' && index.isResourceType(rt) ? index.getType(rt) : undefined;
    if (!type) {
      this.sink.error('unknown-resource-type', `'${String(rt)}' is not a known FHIR R4 resource type`, `${path}.resourceType`);
      return;
    }
    const scope = resourceScope(value, container ? container.rootResource : value);
    this.object(value, type, path, scope, { typeName: type.name, elementPath: type.name, basePath: type.name });
    checkConstraints(value, container ? containedConstraints(type) : type.constraints, type.fhirpathBase, path, scope, this.sink);
    checkContainedReferenced(value, path, this.sink);
    if (type.name === 'Bundle') checkBundle(value, path, this.sink);
  }

  /**
   * The properties of one object node of a complex type, backbone element or resource. `hasValue` is set
   * for the _element object of a primitive that also has a value (ele-1 counts the value as content).
   */
  private object(obj: JsonObject, type: TypeDef, path: string, scope: ResourceScope, holder: ExtensionHolder, hasValue = false): void {
    // Bounded recursion: a hostile, deeply nested body must yield an issue, not a stack overflow.
    if (this.depth >= MAX_DEPTH) {
      this.sink.error('nesting-too-deep', `Elements are nested more than ${MAX_DEPTH} levels deep`, path);
      return;
    }
    this.depth++;
    try {
      this.properties(obj, type, path, scope, holder, hasValue);
    } finally {
      this.depth--;
    }
  }

  private properties(obj: JsonObject, type: TypeDef, path: string, scope: ResourceScope, holder: ExtensionHolder, hasValue: boolean): void {
    let hasChildren = false;
    let choices: Map<ElementDef, string> | undefined;
    const keys = Object.keys(obj);
    for (const key of keys) {
      if (key === 'resourceType' && type.kind === 'resource') continue;
      const underscore = key.charCodeAt(0) === 95; /* _ */
      const name = underscore ? key.slice(1) : key;
      // Unknown properties count as children so that ele-1 does not repeat the unknown-element issue.
      if (key !== 'id') hasChildren = true;
      const ref = type.props.get(name);
      if (!ref) {
        this.unknown(key, type, path);
        continue;
      }
      if (ref.element.choice) {
        choices ??= new Map();
        const previous = choices.get(ref.element);
        if (previous !== undefined && previous !== name) {
          this.sink.error('cardinality-max', `Only one variant of ${ref.element.name}[x] is allowed (found ${previous} and ${name})`, `${path}.${name}`);
        }
        choices.set(ref.element, name);
      }
      const primitive = this.checkers.index.getPrimitive(ref.type);
      if (primitive) {
        if (underscore && obj[name] !== undefined) continue; // validated together with its value
        this.primitives.element(underscore ? undefined : obj[key], obj[`_${name}`], ref, primitive, `${path}.${name}`, scope, type);
      } else if (underscore) {
        this.unknown(key, type, path);
      } else {
        this.complexElement(obj[key], ref, `${path}.${name}`, scope, holder);
      }
    }
    if (keys.length === 0 || (type.kind !== 'resource' && !hasChildren && !hasValue)) {
      this.sink.error('empty-element', 'Constraint ele-1 failed: all FHIR elements must have a @value or children', path);
    }
    for (const el of type.required) {
      if (!el.jsonNames.some((n) => obj[n] !== undefined || obj[`_${n}`] !== undefined)) {
        const label = el.choice ? `${el.name}[x]` : el.name;
        this.sink.error('cardinality-min', `The element '${label}' is required (minimum cardinality ${el.min}) but is missing`, `${path}.${el.name}`);
      }
    }
  }

  private unknown(key: string, type: TypeDef, path: string): void {
    let text: string;
    const name = key.charCodeAt(0) === 95 ? key.slice(1) : key;
    const choice = type.elements.find((e) => e.choice && key.startsWith(e.name) && /^[A-Z]/.test(key.slice(e.name.length)));
    if (key === 'fhir_comments') text = "The property 'fhir_comments' is not allowed: JSON comments are not part of FHIR R4";
    else if (name !== key && type.props.has(name)) text = `The property '${key}' is not allowed: only primitive elements have an '_' sibling`;
    else if (choice) text = `The property '${key}' is not allowed: ${choice.name}[x] may only be one of ${choice.types.join(', ')}`;
    else text = `Unknown element '${key}' in ${type.kind === 'backbone' ? type.name : `type ${type.name}`}`;
    this.sink.error('unknown-element', text, `${path}.${key}`);
  }

  private complexElement(value: unknown, ref: PropRef, path: string, scope: ResourceScope, holder: ExtensionHolder): void {
    const el = ref.element;
    if (value === null) {
      this.sink.error('null-value', `The element '${el.name}' must be a JSON object, not null`, path);
    } else if (Array.isArray(value)) {
      if (!el.isArray) {
        this.sink.error('not-an-array', `The element '${el.name}' occurs at most once, so it must not be a JSON array`, path);
        return;
      }
      if (value.length === 0) this.sink.error('empty-array', `The array '${el.name}' must not be empty; omit the element instead`, path);
      if (value.length > el.max) this.sink.error('cardinality-max', `The element '${el.name}' allows at most ${el.max} items`, path);
      value.forEach((item, i) => {
        if (item === null) this.sink.error('null-value', `Item ${i} of '${el.name}' is null`, `${path}[${i}]`);
        else this.complexValue(item, ref, `${path}[${i}]`, scope, holder);
      });
    } else {
      if (el.isArray) this.sink.error('expected-array', `The element '${el.name}' repeats, so it must be a JSON array`, path);
      if (el.max === 0) this.sink.error('cardinality-max', `The element '${el.name}' is not allowed here`, path);
      this.complexValue(value, ref, path, scope, holder);
    }
  }

  private complexValue(value: unknown, ref: PropRef, path: string, scope: ResourceScope, holder: ExtensionHolder): void {
    const el = ref.element;
    if (!isJsonObject(value)) {
      this.sink.error('wrong-type', `The element '${el.name}' must be a JSON object (${ref.type}), not ${jsonKind(value)}`, path);
      return;
    }
    if (ref.type === 'Resource') {
      this.resource(value, path, el.basePath === 'DomainResource.contained' ? scope : undefined);
      return;
    }
    const type = el.backbone ?? this.checkers.index.getType(ref.type);
    if (!type) return;
    const extensionUrl = ref.type === 'Extension' && typeof value.url === 'string' ? value.url : undefined;
    const typeName = type.kind === 'backbone' ? 'BackboneElement' : type.fhirType;
    this.object(value, type, path, scope, { typeName, elementPath: el.path, basePath: el.basePath, extensionUrl });
    if (extensionUrl !== undefined) this.checkers.extensions.check(value, holder, path, this.sink);
    else if (ref.type === 'Reference') checkLocalReference(value, scope, path, this.sink);
    if (el.binding?.strength === 'required') this.checkers.bindings.check(value, ref.type, el.binding.valueSet, path, this.sink);
    checkConstraints(value, constraintsFor(el, type), type.fhirpathBase, path, scope, this.sink);
  }
}
