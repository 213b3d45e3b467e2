// uri: exact by default; :below matches the value and everything under it, :above everything it is under.
// https://hl7.org/fhir/R4/search.html#uri
import { unescapeValue } from '../search-request';
import { likeEscape, SqlBuilder } from '../sql-builder';

export function uriPredicate(b: SqlBuilder, x: string, raw: string, modifier?: string): string {
  const value = unescapeValue(raw);
  if (modifier === 'below') return `${x}.value LIKE ${b.bind(`${likeEscape(value)}%`)}`;
  if (modifier === 'above') return `starts_with(${b.bind(value)}, ${x}.value)`;
  return `${x}.value = ${b.bind(value)}`;
}
