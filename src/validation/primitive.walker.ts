// Primitive elements and their _element siblings, including parallel arrays with nulls. https://hl7.org/fhir/R4/json.html#primitive
import type { Checkers } from './element.walker';
import { ExtensionHolder } from './extension.checker';
import { checkConstraints } from './invariant.checker';
import { IssueSink, isJsonObject, JsonObject, ResourceScope } from './issue.sink';
import { checkNarrative } from './narrative.checker';
import { checkPrimitive, checkResourceId } from './primitive.rules';
import { PrimitiveDef, PropRef, TypeDef } from './type.compiler';

type WalkObject = (obj: JsonObject, type: TypeDef, path: string, scope: ResourceScope, holder: ExtensionHolder, hasValue: boolean) => void;

export class PrimitiveWalker {
  constructor(
    private readonly checkers: Checkers,
    private readonly sink: IssueSink,
    private readonly walkObject: WalkObject,
  ) {}

  /** `value` is the JSON property, `ext` its _sibling; either may be undefined. */
  element(value: unknown, ext: unknown, ref: PropRef, prim: PrimitiveDef, path: string, scope: ResourceScope, parent: TypeDef): void {
    const el = ref.element;
    if (parent.kind === 'resource' && el.name === 'id') {
      if (ext !== undefined) this.sink.error('resource-id-extension', 'Extensions are not allowed on Resource.id', path);
      if (value !== undefined) checkResourceId(value, path, this.sink);
      return;
    }
    if (el.max === 0) this.sink.error('cardinality-max', `The element '${el.name}' is not allowed here`, path);
    if (el.isArray || Array.isArray(value) || Array.isArray(ext)) this.list(value, ext, ref, prim, path, scope);
    else this.item(value, ext, ref, prim, path, scope);
  }

  private list(value: unknown, ext: unknown, ref: PropRef, prim: PrimitiveDef, path: string, scope: ResourceScope): void {
    const name = ref.element.name;
    if (!ref.element.isArray) {
      this.sink.error('not-an-array', `The element '${name}' occurs at most once, so it must not be a JSON array`, path);
      return;
    }
    if (value !== undefined && !Array.isArray(value)) {
      this.sink.error('expected-array', `The element '${name}' repeats, so it must be a JSON array`, path);
      return;
    }
    if (ext !== undefined && !Array.isArray(ext)) {
      this.sink.error('primitive-extension-mismatch', `'_${name}' must be a JSON array parallel to '${name}'`, path);
      return;
    }
    const values = value as unknown[] | undefined;
    const exts = ext as unknown[] | undefined;
    if (values && exts && values.length !== exts.length) {
      this.sink.error('primitive-extension-mismatch', `'${name}' has ${values.length} items but '_${name}' has ${exts.length}; the arrays must be parallel`, path);
    }
    const n = Math.max(values?.length ?? 0, exts?.length ?? 0);
    if (n === 0) this.sink.error('empty-array', `The array '${name}' must not be empty; omit the element instead`, path);
    if (n > ref.element.max) this.sink.error('cardinality-max', `The element '${name}' allows at most ${ref.element.max} items`, path);
    for (let i = 0; i < n; i++) {
      const v = values?.[i] ?? undefined;
      const x = exts?.[i] ?? undefined;
      if (v === undefined && x === undefined) {
        this.sink.error('null-value', `Item ${i} of '${name}' has neither a value nor an extension`, `${path}[${i}]`);
      } else {
        this.item(v, x, ref, prim, `${path}[${i}]`, scope);
      }
    }
  }

  private item(value: unknown, ext: unknown, ref: PropRef, prim: PrimitiveDef, path: string, scope: ResourceScope): void {
    const el = ref.element;
    if (value === null || ext === null) {
      this.sink.error('null-value', `The element '${el.name}' must not be null; omit it instead`, path);
    }
    if (value !== undefined && value !== null && checkPrimitive(value, prim, path, this.sink)) {
      if (prim.name === 'xhtml') checkNarrative(value as string, path, this.sink);
      if (prim.name === 'code' && el.binding?.strength === 'required') {
        this.checkers.bindings.check(value, 'code', el.binding.valueSet, path, this.sink);
      }
      if (el.constraints.length > 0) checkConstraints(value, el.constraints, '', path, scope, this.sink);
    }
    if (ext !== undefined && ext !== null) this.extension(ext, ref, prim, path, scope, value !== undefined && value !== null);
  }

  /** The _element object: only id and extension, validated like an Element. */
  private extension(ext: unknown, ref: PropRef, prim: PrimitiveDef, path: string, scope: ResourceScope, hasValue: boolean): void {
    const el = ref.element;
    if (!isJsonObject(ext)) {
      this.sink.error('wrong-type', `'_${el.name}' must be a JSON object with id and/or extension`, path);
      return;
    }
    if (prim.name === 'xhtml') {
      this.sink.error('unknown-element', 'The narrative div cannot have an id or extensions', path);
      return;
    }
    const elementType = this.checkers.index.getType('Element');
    const holder = { typeName: prim.name, elementPath: el.path, basePath: el.basePath };
    if (elementType) this.walkObject(ext, elementType, path, scope, holder, hasValue);
  }
}
