// reference: id, Type/id, an absolute URL on this server, any other URL (matched as written), and :Type.
// :identifier is matched on the Reference.identifier token rows. https://hl7.org/fhir/R4/search.html#reference
import { SearchParamDef } from '../../search-parameter.registry';
import { badParameter, unescapeValue } from '../search-request';
import { SqlBuilder } from '../sql-builder';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const TYPED = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

export function referencePredicate(
  b: SqlBuilder,
  x: string,
  name: string,
  raw: string,
  def: SearchParamDef,
  typeModifier: string | undefined,
  fhirBaseUrl: string,
): string {
  const value = unescapeValue(raw);
  const local = value.startsWith(`${fhirBaseUrl}/`) ? value.slice(fhirBaseUrl.length + 1) : value;
  const typed = TYPED.exec(local);
  if (typed) {
    if (typeModifier !== undefined && typed[1] !== typeModifier) return 'false';
    return `${x}.target_type = ${b.bind(typed[1])} AND ${x}.target_id = ${b.bind(typed[2])}`;
  }
  if (ID.test(local) && local === value) {
    if (typeModifier !== undefined) return `${x}.target_type = ${b.bind(typeModifier)} AND ${x}.target_id = ${b.bind(local)}`;
    return `${x}.target_id = ${b.bind(local)}`;
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return `${x}.url = ${b.bind(value.split('|')[0])}`;
  throw badParameter(name, `${name}: "${value.slice(0, 40)}" is not a reference such as Patient/123, 123 or a URL`, 'invalid-reference-parameter');
}
