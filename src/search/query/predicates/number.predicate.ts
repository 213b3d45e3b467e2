// number and quantity: prefixes on a decimal whose written precision sets the range of eq ("100" is
// [99.5, 100.5)); quantity adds |system|code or ||unit. https://hl7.org/fhir/R4/search.html#number
// https://hl7.org/fhir/R4/search.html#quantity
import { badParameter, splitUnescaped, unescapeValue } from '../search-request';
import { SqlBuilder } from '../sql-builder';
import { splitPrefix } from './prefix';

const DECIMAL = /^[-+]?(\d{1,30})(?:\.(\d{1,30}))?(?:[eE]([-+]?\d{1,3}))?$/;

function numberCondition(b: SqlBuilder, column: string, name: string, raw: string): string {
  const [prefix, text] = splitPrefix(raw);
  const m = DECIMAL.exec(text);
  if (!m) throw badParameter(name, `${name}: "${text.slice(0, 40)}" is not a number`, 'invalid-number-parameter');
  const n = b.bind(text, 'numeric');
  // Half a unit of the last written digit: the precision of the value.
  const exponent = Number(m[3] ?? 0) - (m[2]?.length ?? 0);
  const half = () => b.bind(`5e${exponent - 1}`, 'numeric');
  switch (prefix) {
    case 'eq': return `(${column} >= ${n} - ${half()} AND ${column} < ${n} + ${half()})`;
    case 'ne': return `NOT (${column} >= ${n} - ${half()} AND ${column} < ${n} + ${half()})`;
    case 'gt': case 'sa': return `${column} > ${n}`;
    case 'lt': case 'eb': return `${column} < ${n}`;
    case 'ge': return `${column} >= ${n}`;
    case 'le': return `${column} <= ${n}`;
    case 'ap': return `(${column} >= ${n} - abs(${n}) * 0.1 AND ${column} <= ${n} + abs(${n}) * 0.1)`;
  }
}

export function numberPredicate(b: SqlBuilder, x: string, name: string, raw: string): string {
  return numberCondition(b, `${x}.value`, name, raw);
}

export function quantityPredicate(b: SqlBuilder, x: string, name: string, raw: string): string {
  const parts = splitUnescaped(raw, '|');
  if (parts.length !== 1 && parts.length !== 3) throw badParameter(name, `${name} must be [prefix]number or [prefix]number|system|code`, 'invalid-number-parameter');
  const conditions = [numberCondition(b, `${x}.value`, name, parts[0])];
  if (parts.length === 3) {
    const [system, code] = [unescapeValue(parts[1]), unescapeValue(parts[2])];
    if (system !== '') conditions.push(`${x}.system = ${b.bind(system)}`);
    if (code !== '') conditions.push(system === '' ? `(${x}.code = ${b.bind(code)} OR ${x}.unit = ${b.bind(code)})` : `${x}.code = ${b.bind(code)}`);
  }
  return conditions.join(' AND ');
}
