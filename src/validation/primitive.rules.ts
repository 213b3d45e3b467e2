// Lexical and range rules of the R4 primitive datatypes in their JSON form. https://hl7.org/fhir/R4/datatypes.html#primitive
import { IssueSink, jsonKind } from './issue.sink';
import { PrimitiveDef } from './type.compiler';

const MAX_STRING = 1024 * 1024;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const RESOURCE_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const DATE_PARTS = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/;
// Control characters other than tab, LF and CR (https://hl7.org/fhir/R4/datatypes.html#string).
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
const STRING_LIKE = new Set(['string', 'markdown']);
const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The regexes only bound the day to 01-31; this rejects days the month does not have (2019-02-30). */
function isRealDate(value: string): boolean {
  const m = DATE_PARTS.exec(value);
  if (!m || m[3] === undefined) return true;
  return Number(m[3]) <= daysInMonth(Number(m[1]), Number(m[2]));
}

/** Linear-time base64 check; the published regex backtracks badly on large attachments. */
export function isBase64(value: string): boolean {
  const s = value.replace(/\s+/g, '');
  if (s.length % 4 !== 0) return false;
  let padding = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61 /* = */) {
      padding++;
      continue;
    }
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (!ok || padding > 0) return false; // data after padding
  }
  return padding <= 2;
}

function quote(value: string): string {
  return value.length > 60 ? `'${value.slice(0, 57)}...'` : `'${value}'`;
}

/** Checks one primitive value (not its _element sibling); true when it is acceptable. */
export function checkPrimitive(value: unknown, def: PrimitiveDef, path: string, sink: IssueSink): boolean {
  const type = def.name;
  if (typeof value !== def.jsonType) {
    sink.error('wrong-type', `The value of ${type} must be a JSON ${def.jsonType}, not ${jsonKind(value)}`, path);
    return false;
  }
  if (def.jsonType === 'number') return checkNumber(value as number, type, path, sink);
  if (def.jsonType === 'boolean') return true;
  return checkString(value as string, def, path, sink);
}

function checkNumber(value: number, type: string, path: string, sink: IssueSink): boolean {
  if (!Number.isFinite(value)) {
    sink.error('invalid-primitive', `The value is not a valid ${type}`, path);
    return false;
  }
  if (type === 'decimal') return true;
  if (!Number.isInteger(value)) {
    sink.error('invalid-primitive', `The value ${value} is not a valid ${type}: it must be a whole number`, path);
    return false;
  }
  const min = type === 'positiveInt' ? 1 : type === 'unsignedInt' ? 0 : INT32_MIN;
  if (value < min || value > INT32_MAX) {
    sink.error('out-of-range', `The value ${value} is outside the range of ${type} (${min} to ${INT32_MAX})`, path);
    return false;
  }
  return true;
}

function checkString(value: string, def: PrimitiveDef, path: string, sink: IssueSink): boolean {
  const type = def.name;
  if (value.length === 0) {
    sink.error('empty-string', `A ${type} value must not be empty; omit the element instead`, path);
    return false;
  }
  if (type === 'xhtml') return true; // the narrative checker owns xhtml
  if (STRING_LIKE.has(type)) {
    // The 1 MB limit is a rule of string (and markdown), not of base64Binary attachments.
    if (value.length > MAX_STRING) {
      sink.error('string-too-long', `The ${type} value is longer than 1 MB`, path);
      return false;
    }
    if (value.trim().length === 0) sink.warning('whitespace-string', `The ${type} value consists of whitespace only`, path);
    if (CONTROL_CHARS.test(value)) sink.warning('illegal-characters', `The ${type} value contains control characters`, path);
    return true; // the published pattern only says "not empty"
  }
  if (type === 'base64Binary') {
    if (isBase64(value)) return true;
    sink.error('invalid-base64', `The value ${quote(value)} is not valid base64`, path);
    return false;
  }
  if (def.regex && !def.regex.test(value)) {
    sink.error('invalid-primitive', `The value ${quote(value)} is not a valid ${type}`, path);
    return false;
  }
  if (DATE_TYPES.has(type) && !isRealDate(value)) {
    sink.error('invalid-date', `The value ${quote(value)} is not a real calendar date`, path);
    return false;
  }
  return true;
}

/** Resource.id is a string in the snapshot, but R4 restricts it to the id pattern. */
export function checkResourceId(value: unknown, path: string, sink: IssueSink): void {
  if (typeof value !== 'string') {
    sink.error('wrong-type', `Resource id must be a JSON string, not ${jsonKind(value)}`, path);
  } else if (!RESOURCE_ID.test(value)) {
    const why = value.length > 64 ? `too long (${value.length} characters)` : 'only A-Z, a-z, 0-9, - and . are allowed, 1 to 64 characters';
    sink.error('invalid-id', `Invalid resource id ${quote(value)}: ${why}`, path);
  }
}
