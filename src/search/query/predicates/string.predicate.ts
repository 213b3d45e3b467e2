// string: case- and accent-insensitive starts-with by default, :exact, :contains.
// https://hl7.org/fhir/R4/search.html#string
import { normalizeText } from '../../search-values';
import { unescapeValue } from '../search-request';
import { likeEscape, SqlBuilder } from '../sql-builder';

export function stringPredicate(b: SqlBuilder, x: string, raw: string, modifier?: string): string {
  const value = unescapeValue(raw);
  if (modifier === 'exact') return `${x}.value = ${b.bind(value)}`;
  const pattern = likeEscape(normalizeText(value));
  return modifier === 'contains' ? `${x}.normalized LIKE ${b.bind(`%${pattern}%`)}` : `${x}.normalized LIKE ${b.bind(`${pattern}%`)}`;
}
