// The value rules that indexing and searching must share: text normalisation for string matching, and the
// range a date of a given precision stands for. https://hl7.org/fhir/R4/search.html#string
// https://hl7.org/fhir/R4/search.html#date

/** Case- and accent-insensitive form of a string: lower case, combining marks removed. */
export function normalizeText(value: string): string {
  return value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** Index values longer than this are cut, so every row fits a B-tree entry. */
export const MAX_INDEXED_TEXT = 1000;

export interface DateRange {
  /** Inclusive start, ISO instant or '-infinity'. */
  low: string;
  /** Exclusive end, ISO instant or 'infinity'. */
  high: string;
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function iso(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(ms)) throw new RangeError('invalid date');
  if (d.getUTCFullYear() > 9999) return 'infinity';
  if (d.getUTCFullYear() < 1) return '-infinity';
  return d.toISOString();
}

/**
 * The range [low, high) covered by a FHIR date, dateTime or instant at its own precision: "2024" is the whole
 * year, "2024-03-05T10:00" one minute. A time without offset is taken as UTC. Undefined when malformed.
 */
export function dateRange(value: string): DateRange | undefined {
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (h === undefined) {
    const start = Date.UTC(year, month - 1, day);
    // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear keeps them as written.
    const low = new Date(start);
    low.setUTCFullYear(year);
    const high = new Date(low.getTime());
    if (mo === undefined) high.setUTCFullYear(year + 1);
    else if (d === undefined) high.setUTCMonth(month);
    else high.setUTCDate(day + 1);
    if (low.getUTCDate() !== day) return undefined; // 2023-02-30
    return { low: iso(low.getTime()), high: iso(high.getTime()) };
  }
  if (Number(h) > 24 || Number(mi) > 59 || (s !== undefined && Number(s) > 60)) return undefined;
  const text = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ? '.' + frac.slice(0, 3).padEnd(3, '0') : ''}${zone ?? 'Z'}`;
  const low = Date.parse(text);
  if (Number.isNaN(low)) return undefined;
  const step = s === undefined ? 60_000 : frac === undefined ? 1000 : Math.max(1, 10 ** (3 - frac.length));
  return { low: iso(low), high: iso(low + step) };
}

/** The range of a Period: an open side is unbounded. */
export function periodRange(start: string | undefined, end: string | undefined): DateRange | undefined {
  const low = start === undefined ? { low: '-infinity', high: '-infinity' } : dateRange(start);
  const high = end === undefined ? { low: 'infinity', high: 'infinity' } : dateRange(end);
  if (!low || !high) return undefined;
  return { low: low.low, high: high.high };
}
