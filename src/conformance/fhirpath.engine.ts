// The FHIRPath engine (the fhirpath package with its R4 model) behind a process-wide cache of compiled
// expressions, shared by validation (invariants) and indexing (SearchParameter expressions).
import fhirpath = require('fhirpath');
import r4Model = require('fhirpath/fhir-context/r4');

export type CompiledExpression = (node: unknown, env: Record<string, unknown>) => unknown[];

const model = r4Model as unknown as fhirpath.Model;
/** Compiled expressions by (base, expression), kept for the life of the process. */
const cache = new Map<string, CompiledExpression | null>();
const noTrace = (): void => undefined;

/**
 * The compiled form of `expression` evaluated on a node whose definition path (or type) is `base`;
 * null when the expression does not compile. With `plainValues`, results are JSON values rather than the
 * engine's typed nodes. `trace()` output is swallowed. An empty base is for
 * primitive values: the engine cannot take a decimal as a typed root node (it throws), and the
 * constraints on primitives need no type information.
 */
export function compiled(base: string, expression: string, plainValues = false): CompiledExpression | null {
  const key = `${base}\u0000${expression}\u0000${plainValues}`;
  let fn = cache.get(key);
  if (fn === undefined) {
    try {
      // Unresolved results keep the engine from tagging the caller's objects with a hidden __path__; indexing
      // asks for plain JSON values instead, which it only reads.
      const options = { traceFn: noTrace, resolveInternalTypes: plainValues };
      const raw = base ? fhirpath.compile({ base, expression }, model, options) : fhirpath.compile(expression, model, options);
      fn = (node, env) => raw(node, env) as unknown[];
    } catch {
      fn = null;
    }
    cache.set(key, fn);
  }
  return fn;
}
