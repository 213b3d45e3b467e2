// Evaluates the FHIRPath constraints of element and type definitions on the node they belong to. https://hl7.org/fhir/R4/conformance-rules.html#constraints
import { compiled } from '../conformance/fhirpath.engine';
import { IssueSink, ResourceScope } from './issue.sink';
import { ConstraintDef } from './type.compiler';

/**
 * Constraints not evaluated through the FHIRPath engine, with the reason. Those marked "native" are
 * enforced by this module's siblings instead; the others are not enforced at all.
 */
export const SKIPPED_CONSTRAINTS: Readonly<Record<string, string>> = {
  'ele-1': 'native (element.walker): every element has a value or children; one FHIRPath call per node would dominate the cost',
  'dom-3': 'native (contained.rules): the published expression applies as() to a collection, which the engine rejects (it throws "Expected singleton")',
  'ref-1': 'native (contained.rules): a "#" reference must name a contained resource; also allows "#" alone inside contained resources',
  'txt-1': 'native (narrative.checker): own XHTML tokenizer with an allow-list of elements/attributes; a security control',
  'txt-2': 'native (narrative.checker): the narrative must have non-whitespace content',
  'ctm-1': 'not enforced: needs resolve() of CareTeam.participant.member, which the engine only offers asynchronously (it throws in synchronous mode)',
  'eld-16': 'not enforced: its regex escapes (\\@, \\-) are invalid in the Unicode-mode JavaScript regexes the engine builds (it throws)',
  'eld-19': 'not enforced: its regex escapes (\\\', \\:) are invalid in the Unicode-mode JavaScript regexes the engine builds (it throws)',
  'eld-20': 'not enforced (warning): its regex has a lone "]", invalid in Unicode-mode JavaScript regexes (it throws)',
};

/** Constraints whose evaluation threw at runtime (treated as skipped), with the first error message. */
const threw = new Map<string, string>();

export function constraintsThatThrew(): ReadonlyMap<string, string> {
  return threw;
}

/** The union of a type's own constraints and those its use site adds, without duplicates by key. */
export function mergeConstraints(typeLevel: ConstraintDef[], elementLevel: ConstraintDef[]): ConstraintDef[] {
  if (elementLevel.length === 0) return typeLevel;
  if (typeLevel.length === 0) return elementLevel;
  const keys = new Set(typeLevel.map((c) => c.key));
  return [...typeLevel, ...elementLevel.filter((c) => !keys.has(c.key))];
}

/** Evaluates each constraint on `node` (the element's JSON value) with `base` as its definition path or type. */
export function checkConstraints(
  node: unknown,
  constraints: readonly ConstraintDef[],
  base: string,
  path: string,
  scope: ResourceScope,
  sink: IssueSink,
): void {
  for (const c of constraints) {
    if (SKIPPED_CONSTRAINTS[c.key] !== undefined) continue;
    const fn = compiled(base, c.expression);
    if (!fn) {
      if (!threw.has(c.key)) threw.set(c.key, 'does not compile');
      continue;
    }
    let result: unknown[];
    try {
      result = fn(node, scope.env);
    } catch (e) {
      // An engine limitation is not the client's fault: treat the constraint as skipped.
      if (!threw.has(c.key)) threw.set(c.key, e instanceof Error ? e.message.slice(0, 200) : String(e));
      continue;
    }
    // An empty result means "not applicable" (e.g. comparing dates of different precision).
    if (result.length === 1 && result[0] === false) {
      sink.add(c.severity, 'invariant-failed', `Constraint ${c.key} failed: ${c.human}`, path);
    }
  }
}
