// Native forms of dom-3 and ref-1: contained resources and the local references to them. https://hl7.org/fhir/R4/references.html#contained
import { IssueSink, isJsonObject, JsonObject, ResourceScope } from './issue.sink';

const DOM_3 = 'If the resource is contained in another resource, it SHALL be referred to from elsewhere in the resource or SHALL refer to the containing resource';
const REF_1 = 'SHALL have a contained resource if a local reference is provided';

/** Adds every string starting with '#' under `value` (references, canonicals, uris) to `out`. */
function collectLocalRefs(value: unknown, out: Set<string>, depth = 0): void {
  if (depth > 256) return; // beyond the walker's nesting limit
  if (typeof value === 'string') {
    if (value.charCodeAt(0) === 35 /* # */) out.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectLocalRefs(item, out, depth + 1);
  } else if (isJsonObject(value)) {
    for (const key in value) if (key !== 'div') collectLocalRefs(value[key], out, depth + 1);
  }
}

/** dom-3: each contained resource is referenced from the container (or refers to it with "#"). */
export function checkContainedReferenced(resource: JsonObject, path: string, sink: IssueSink): void {
  const contained = resource.contained;
  if (!Array.isArray(contained) || contained.length === 0) return;
  const refs = new Set<string>();
  collectLocalRefs(resource, refs);
  contained.forEach((c, i) => {
    if (!isJsonObject(c) || typeof c.id !== 'string') return;
    if (refs.has(`#${c.id}`)) return;
    const inner = new Set<string>();
    collectLocalRefs(c, inner);
    if (inner.has('#')) return;
    sink.error('invariant-failed', `Constraint dom-3 failed: ${DOM_3} (contained resource '${c.id}' is not referenced)`, `${path}.contained[${i}]`);
  });
}

/** ref-1: a local reference "#id" names a resource contained in the root resource; "#" is the container itself. */
export function checkLocalReference(reference: JsonObject, scope: ResourceScope, path: string, sink: IssueSink): void {
  const ref = reference.reference;
  if (typeof ref !== 'string' || ref.charCodeAt(0) !== 35 /* # */) return;
  if (ref === '#') {
    if (scope.resource !== scope.rootResource) return;
  } else {
    const contained = scope.rootResource.contained;
    const id = ref.slice(1);
    if (Array.isArray(contained) && contained.some((c) => isJsonObject(c) && c.id === id)) return;
  }
  sink.error('invariant-failed', `Constraint ref-1 failed: ${REF_1} (no contained resource '${ref.slice(1)}')`, path);
}
