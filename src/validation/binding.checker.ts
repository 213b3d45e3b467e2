// Checks coded values against required bindings whose value set expands locally. https://hl7.org/fhir/R4/terminologies.html#required
import { IssueSink, isJsonObject, JsonObject } from './issue.sink';
import { Expansion, ValueSetExpander } from './valueset.expander';

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}

function inExpansion(exp: Expansion, system: unknown, code: unknown): boolean {
  if (typeof code !== 'string') return false;
  if (typeof system === 'string') return exp.get(system)?.has(code) ?? false;
  // A Coding without a system is matched on the code alone (the single-system case in practice).
  for (const codes of exp.values()) if (codes.has(code)) return true;
  return false;
}

function label(coding: JsonObject): string {
  const system = typeof coding.system === 'string' ? coding.system : '';
  return system ? `${system}#${String(coding.code)}` : `'${String(coding.code)}'`;
}

export class BindingChecker {
  constructor(private readonly expander = new ValueSetExpander()) {}

  /** Dispatches on the element's datatype; datatypes that carry no code are ignored. */
  check(value: unknown, type: string, valueSet: string, path: string, sink: IssueSink): void {
    const exp = this.expander.expand(valueSet);
    if (!exp) return; // not expandable locally: not reported (see ValueSetExpander.expand)
    const vs = stripVersion(valueSet);
    if (type === 'code') this.code(value, exp, vs, path, sink);
    else if (!isJsonObject(value)) return;
    else if (type === 'CodeableConcept') this.codeableConcept(value, exp, vs, path, sink);
    else if (type === 'Coding' || type === 'Quantity' || type === 'SimpleQuantity') this.coding(value, exp, vs, path, sink);
  }

  private code(value: unknown, exp: Expansion, vs: string, path: string, sink: IssueSink): void {
    if (typeof value !== 'string' || inExpansion(exp, undefined, value)) return;
    sink.error('binding-required', `The code '${value}' is not in the value set '${vs}', which this element requires`, path);
  }

  private coding(coding: JsonObject, exp: Expansion, vs: string, path: string, sink: IssueSink): void {
    if (coding.code === undefined || inExpansion(exp, coding.system, coding.code)) return;
    sink.error('binding-required', `The code ${label(coding)} is not in the value set '${vs}', which this element requires`, path);
  }

  private codeableConcept(cc: JsonObject, exp: Expansion, vs: string, path: string, sink: IssueSink): void {
    const codings = Array.isArray(cc.coding) ? cc.coding.filter(isJsonObject) : [];
    if (codings.length === 0) {
      sink.error('binding-required', `No code is given, and a code from the value set '${vs}' is required`, path);
      return;
    }
    if (codings.some((c) => inExpansion(exp, c.system, c.code))) return;
    const given = codings.map(label).join(', ');
    sink.error('binding-required', `None of the codes (${given}) is in the value set '${vs}', which this element requires`, path);
  }
}
