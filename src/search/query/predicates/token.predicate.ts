// token: code, system|code, |code, system|; :text on display/text; :of-type on identifiers (:not is applied
// around the whole parameter by the criterion builder). https://hl7.org/fhir/R4/search.html#token
import { normalizeText } from '../../search-values';
import { badParameter, splitUnescaped, unescapeValue } from '../search-request';
import { likeEscape, SqlBuilder } from '../sql-builder';

export function tokenPredicate(b: SqlBuilder, x: string, name: string, raw: string, modifier?: string): string {
  if (modifier === 'text') return `${x}.text LIKE ${b.bind(`${likeEscape(normalizeText(unescapeValue(raw)))}%`)}`;
  const parts = splitUnescaped(raw, '|').map(unescapeValue);
  if (modifier === 'of-type') {
    if (parts.length !== 3 || parts.some((p) => p === '')) throw badParameter(name, `${name} must be system|code|value`);
    return `${x}.type_system = ${b.bind(parts[0])} AND ${x}.type_code = ${b.bind(parts[1])} AND ${x}.code = ${b.bind(parts[2])}`;
  }
  if (parts.length === 1) return `${x}.code = ${b.bind(parts[0])}`;
  if (parts.length !== 2 || (parts[0] === '' && parts[1] === '')) throw badParameter(name, `${name} must be code, system|code, |code or system|`);
  const [system, code] = parts;
  if (system === '') return `${x}.system IS NULL AND ${x}.code = ${b.bind(code)}`;
  if (code === '') return `${x}.system = ${b.bind(system)}`;
  return `${x}.system = ${b.bind(system)} AND ${x}.code = ${b.bind(code)}`;
}
