// date: the target's range [low, high) compared with the range the search value's precision implies.
// https://hl7.org/fhir/R4/search.html#date
import { dateRange } from '../../search-values';
import { badParameter } from '../search-request';
import { SqlBuilder } from '../sql-builder';
import { splitPrefix } from './prefix';

const DAY = 86_400_000;

/** `low` and `high` are the SQL of the target range's bounds. */
export function datePredicate(b: SqlBuilder, low: string, high: string, name: string, raw: string): string {
  // An unencoded "+" of a time-zone offset arrives as a space.
  const [prefix, value] = splitPrefix(raw.replace(' ', '+'));
  const range = dateRange(value);
  if (!range) throw badParameter(name, `${name}: "${value.slice(0, 40)}" is not a date such as 2024, 2024-03-05 or 2024-03-05T10:00:00Z`, 'invalid-date-parameter');
  const lo = () => b.bind(range.low, 'timestamptz');
  const hi = () => b.bind(range.high, 'timestamptz');
  const within = () => `(${low} >= ${lo()} AND ${high} <= ${hi()})`;
  switch (prefix) {
    case 'eq': return within();
    case 'ne': return `NOT ${within()}`;
    case 'gt': return `${high} > ${hi()}`;
    case 'lt': return `${low} < ${lo()}`;
    case 'ge': return `(${high} > ${hi()} OR ${within()})`;
    case 'le': return `(${low} < ${lo()} OR ${within()})`;
    case 'sa': return `${low} >= ${hi()}`;
    case 'eb': return `${high} <= ${lo()}`;
    case 'ap': {
      // Approximately: the value's range widened by a tenth of its distance from now (at least a day).
      const start = Date.parse(range.low);
      const margin = Math.max(DAY, Math.abs(Date.now() - (Number.isNaN(start) ? Date.now() : start)) / 10);
      const from = Number.isNaN(start) ? range.low : new Date(Math.max(start - margin, -62135596800000)).toISOString();
      const end = Date.parse(range.high);
      const to = Number.isNaN(end) ? range.high : new Date(Math.min(end + margin, 253402300799000)).toISOString();
      return `(${low} < ${b.bind(to, 'timestamptz')} AND ${high} > ${b.bind(from, 'timestamptz')})`;
    }
  }
}
