// Compiles FHIRPath expressions once per (base, expression) with the R4 model. https://hl7.org/fhir/R4/fhirpath.html
import fhirpath = require('fhirpath');
import r4Model = require('fhirpath/fhir-context/r4');

export type CompiledExpression = (node: unknown, env: Record<string, unknown>) => unknown[];

const model = r4Model as unknown as fhirpath.Model;
const cache = new Map<string, CompiledExpression | null>();
const noTrace = (): void => undefined;

/**
 * The compiled form of `expression` evaluated on a node whose definition path (or type) is `base`;
 * null when the expression does not compile. `trace()` output is swallowed. An empty base is for
 * primitive values: the engine cannot take a decimal as a typed root node (it throws), and the
 * constraints on primitives need no type information.
 */
export function compiled(base: string, expression: string): CompiledExpression | null {
  const key = `${base}\u0000${expression}`;
  let fn = cache.get(key);
  if (fn === undefined) {
    try {
      // Unresolved results keep the engine from tagging the caller's objects with a hidden __path__.
      const options = { traceFn: noTrace, resolveInternalTypes: false };
      const raw = base ? fhirpath.compile({ base, expression }, model, options) : fhirpath.compile(expression, model, options);
      fn = (node, env) => raw(node, env) as unknown[];
    } catch {
      fn = null;
    }
    cache.set(key, fn);
  }
  return fn;
}
