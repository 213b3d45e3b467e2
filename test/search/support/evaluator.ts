// An independent reading of FHIR R4 search (https://hl7.org/fhir/R4/search.html) over plain resources in
// memory, written for the tests: the expected answer of a search is computed here, never by the server.
// Only the parameters the tests use are described, each with the R4 element paths of its expression.
import { Resource } from './synthea';

type ParamType = 'string' | 'token' | 'date' | 'quantity' | 'reference' | 'uri' | 'composite';

interface ParamDef {
  type: ParamType;
  /** Dotted element paths from the resource (choice types listed by their concrete names). */
  paths: string[];
  /** Reference parameters: the resource types a reference may point to (empty: any). */
  targets?: string[];
  /** Composite parameters: the component parameters, each read relative to every element at `paths`. */
  components?: ParamDef[];
  /** HumanName/Address string parameters: the string parts searched inside each element. */
  parts?: string[];
}

const HUMAN_NAME_PARTS = ['family', 'given', 'prefix', 'suffix', 'text'];

const COMMON: Record<string, ParamDef> = {
  _id: { type: 'token', paths: ['id'] },
  _tag: { type: 'token', paths: ['meta.tag'] },
  _security: { type: 'token', paths: ['meta.security'] },
  _profile: { type: 'uri', paths: ['meta.profile'] },
};

const subject = (targets: string[] = []): ParamDef => ({ type: 'reference', paths: ['subject'], targets });

/** R4 search parameters by resource type, as their expressions define them. */
const PARAMS: Record<string, Record<string, ParamDef>> = {
  Patient: {
    family: { type: 'string', paths: ['name.family'] },
    given: { type: 'string', paths: ['name.given'] },
    name: { type: 'string', paths: ['name'], parts: HUMAN_NAME_PARTS },
    'address-city': { type: 'string', paths: ['address.city'] },
    'address-postalcode': { type: 'string', paths: ['address.postalCode'] },
    address: { type: 'string', paths: ['address'], parts: ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'] },
    gender: { type: 'token', paths: ['gender'] },
    identifier: { type: 'token', paths: ['identifier'] },
    birthdate: { type: 'date', paths: ['birthDate'] },
    'death-date': { type: 'date', paths: ['deceasedDateTime'] },
    'general-practitioner': { type: 'reference', paths: ['generalPractitioner'], targets: ['Organization', 'Practitioner', 'PractitionerRole'] },
  },
  Observation: {
    code: { type: 'token', paths: ['code'] },
    status: { type: 'token', paths: ['status'] },
    category: { type: 'token', paths: ['category'] },
    date: { type: 'date', paths: ['effectiveDateTime', 'effectivePeriod', 'effectiveInstant', 'effectiveTiming.event'] },
    'value-quantity': { type: 'quantity', paths: ['valueQuantity'] },
    'value-concept': { type: 'token', paths: ['valueCodeableConcept'] },
    subject: subject(),
    patient: subject(['Patient']),
    encounter: { type: 'reference', paths: ['encounter'], targets: ['Encounter'] },
    'code-value-quantity': {
      type: 'composite',
      paths: [''],
      components: [{ type: 'token', paths: ['code'] }, { type: 'quantity', paths: ['valueQuantity'] }],
    },
    'component-code-value-quantity': {
      type: 'composite',
      paths: ['component'],
      components: [{ type: 'token', paths: ['code'] }, { type: 'quantity', paths: ['valueQuantity'] }],
    },
  },
  Encounter: {
    date: { type: 'date', paths: ['period'] },
    'reason-code': { type: 'token', paths: ['reasonCode'] },
    type: { type: 'token', paths: ['type'] },
    class: { type: 'token', paths: ['class'] },
    subject: subject(),
    patient: subject(['Patient']),
    participant: { type: 'reference', paths: ['participant.individual'], targets: ['Practitioner', 'PractitionerRole', 'RelatedPerson'] },
    'service-provider': { type: 'reference', paths: ['serviceProvider'], targets: ['Organization'] },
  },
  Condition: {
    code: { type: 'token', paths: ['code'] },
    'clinical-status': { type: 'token', paths: ['clinicalStatus'] },
    subject: subject(),
    patient: subject(['Patient']),
    encounter: { type: 'reference', paths: ['encounter'], targets: ['Encounter'] },
  },
  DiagnosticReport: {
    code: { type: 'token', paths: ['code'] },
    result: { type: 'reference', paths: ['result'], targets: ['Observation'] },
    subject: subject(),
    patient: subject(['Patient']),
    encounter: { type: 'reference', paths: ['encounter'], targets: ['Encounter'] },
  },
  MedicationRequest: {
    code: { type: 'token', paths: ['medicationCodeableConcept'] },
    medication: { type: 'reference', paths: ['medicationReference'], targets: ['Medication'] },
    subject: subject(),
    patient: subject(['Patient']),
  },
  Claim: {
    patient: { type: 'reference', paths: ['patient'], targets: ['Patient'] },
    encounter: { type: 'reference', paths: ['item.encounter'], targets: ['Encounter'] },
  },
  Immunization: {
    patient: { type: 'reference', paths: ['patient'], targets: ['Patient'] },
    'vaccine-code': { type: 'token', paths: ['vaccineCode'] },
  },
};

export function paramDef(type: string, name: string): ParamDef {
  const def = COMMON[name] ?? PARAMS[type]?.[name];
  if (!def) throw new Error(`The evaluator does not know ${type}.${name}`);
  return def;
}

// ---------------------------------------------------------------- element navigation

/** Every value at a dotted path, arrays flattened at each step; '' is the element itself. */
export function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  if (path === '') return current;
  for (const step of path.split('.')) {
    const next: unknown[] = [];
    for (const item of current) {
      if (item === null || typeof item !== 'object') continue;
      const v = (item as Record<string, unknown>)[step];
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) next.push(...v);
      else next.push(v);
    }
    current = next;
  }
  return current;
}

function valuesOf(element: unknown, def: ParamDef): unknown[] {
  return def.paths.flatMap((p) => valuesAt(element, p));
}

// ---------------------------------------------------------------- escaping

/** Splits on `sep` outside backslash escapes, then removes the escapes (R4 search 3.1.1.8). */
export function splitEscaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === sep) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

// ---------------------------------------------------------------- string

/** Case- and accent-insensitive form used by string search. */
export function normalize(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function stringsOf(values: unknown[], def: ParamDef): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (typeof v === 'string') out.push(v);
    else if (def.parts && v && typeof v === 'object') {
      for (const part of def.parts) for (const s of valuesAt(v, part)) if (typeof s === 'string') out.push(s);
    }
  }
  return out;
}

function matchString(strings: string[], modifier: string | undefined, value: string): boolean {
  if (modifier === 'exact') return strings.some((s) => s === value);
  const q = normalize(value);
  if (modifier === 'contains') return strings.some((s) => normalize(s).includes(q));
  if (modifier !== undefined) throw new Error(`string modifier ${modifier} not modelled`);
  return strings.some((s) => normalize(s).startsWith(q));
}

// ---------------------------------------------------------------- token

interface TokenValue {
  system?: string;
  code?: string;
  texts: string[];
  typeCodings?: { system?: string; code?: string }[];
}

function tokensOf(values: unknown[]): TokenValue[] {
  const out: TokenValue[] = [];
  for (const v of values) {
    if (typeof v === 'string') out.push({ code: v, texts: [] });
    else if (typeof v === 'boolean') out.push({ code: String(v), texts: [] });
    else if (v && typeof v === 'object') {
      const o = v as Record<string, any>;
      if (Array.isArray(o.coding) || typeof o.text === 'string') {
        // CodeableConcept: one token per coding; its text and every display are its texts.
        const texts = [o.text, ...(o.coding ?? []).map((c: any) => c.display)].filter((s): s is string => typeof s === 'string');
        const codings = (o.coding ?? []) as any[];
        if (codings.length === 0) out.push({ texts });
        for (const c of codings) out.push({ system: c.system, code: c.code, texts });
      } else if ('value' in o && !('code' in o)) {
        // Identifier
        const texts = typeof o.type?.text === 'string' ? [o.type.text] : [];
        out.push({ system: o.system, code: o.value, texts, typeCodings: o.type?.coding ?? [] });
      } else {
        // Coding
        out.push({ system: o.system, code: o.code, texts: typeof o.display === 'string' ? [o.display] : [] });
      }
    }
  }
  return out;
}

function matchToken(tokens: TokenValue[], modifier: string | undefined, value: string): boolean {
  if (modifier === 'text') {
    const q = normalize(value);
    return tokens.some((t) => t.texts.some((s) => normalize(s).startsWith(q)));
  }
  if (modifier === 'of-type') {
    const [system, code, idValue] = splitEscaped(value, '|').map(unescape);
    return tokens.some((t) => t.code === idValue && (t.typeCodings ?? []).some((c) => c.system === system && c.code === code));
  }
  const parts = splitEscaped(value, '|').map(unescape);
  const one = (t: TokenValue): boolean => {
    if (parts.length === 1) return t.code === parts[0];
    const [system, code] = parts;
    if (system === '') return t.system === undefined && t.code === code;
    if (code === '') return t.system === system;
    return t.system === system && t.code === code;
  };
  const found = tokens.some(one);
  if (modifier === 'not') return !found;
  if (modifier !== undefined) throw new Error(`token modifier ${modifier} not modelled`);
  return found;
}

// ---------------------------------------------------------------- date

/** A half-open range [start, end) in epoch milliseconds. */
export interface Range {
  start: number;
  end: number;
}

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** The range a date, dateTime or instant value stands for, from its precision; no offset means UTC. */
export function dateRange(text: string): Range {
  const m = DATE_RE.exec(text);
  if (!m) throw new Error(`Not a FHIR date: ${text}`);
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const offsetMs = !tz || tz === 'Z' ? 0 : (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60000;
  if (mo === undefined) return { start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
  const month = Number(mo) - 1;
  if (d === undefined) return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
  const day = Number(d);
  if (h === undefined) return { start: Date.UTC(year, month, day), end: Date.UTC(year, month, day + 1) };
  const base = Date.UTC(year, month, day, Number(h), Number(mi), s === undefined ? 0 : Number(s)) - offsetMs;
  if (s === undefined) return { start: base, end: base + 60000 };
  if (frac === undefined) return { start: base, end: base + 1000 };
  const digits = Math.min(frac.length, 3);
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  return { start: base + ms, end: base + ms + 10 ** (3 - digits) };
}

function rangesOf(values: unknown[]): Range[] {
  const out: Range[] = [];
  for (const v of values) {
    if (typeof v === 'string') out.push(dateRange(v));
    else if (v && typeof v === 'object') {
      // Period: a missing start or end leaves that side unbounded.
      const p = v as { start?: string; end?: string };
      out.push({
        start: p.start ? dateRange(p.start).start : -Infinity,
        end: p.end ? dateRange(p.end).end : Infinity,
      });
    }
  }
  return out;
}

const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'];

export function splitPrefix(value: string): { prefix: string; rest: string } {
  const p = value.slice(0, 2);
  if (PREFIXES.includes(p) && /^[0-9-]/.test(value.slice(2))) return { prefix: p, rest: value.slice(2) };
  return { prefix: 'eq', rest: value };
}

/** R4 prefix semantics for a target range T against the search range S. */
export function compareRanges(prefix: string, t: Range, s: Range): boolean {
  const eq = t.start >= s.start && t.end <= s.end;
  switch (prefix) {
    case 'eq': return eq;
    case 'ne': return !eq;
    case 'gt': return t.end > s.end;
    case 'lt': return t.start < s.start;
    case 'ge': return t.end > s.end || eq;
    case 'le': return t.start < s.start || eq;
    case 'sa': return t.start >= s.end;
    case 'eb': return t.end <= s.start;
    default: throw new Error(`date prefix ${prefix} not modelled`);
  }
}

function matchDate(ranges: Range[], value: string): boolean {
  const { prefix, rest } = splitPrefix(value);
  const s = dateRange(rest);
  if (prefix === 'ne') return ranges.length > 0 && !ranges.some((t) => compareRanges('eq', t, s));
  return ranges.some((t) => compareRanges(prefix, t, s));
}

// ---------------------------------------------------------------- quantity

/** The implicit range of a decimal as written: half a unit of its last digit either side. */
export function numberRange(text: string): { value: number; low: number; high: number } {
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`Number form not modelled: ${text}`);
  const decimals = text.includes('.') ? text.split('.')[1].length : 0;
  const value = Number(text);
  const half = 0.5 * 10 ** -decimals;
  return { value, low: value - half, high: value + half };
}

function compareNumber(prefix: string, v: number, text: string): boolean {
  const n = numberRange(text);
  switch (prefix) {
    case 'eq': return v >= n.low && v < n.high;
    case 'ne': return !(v >= n.low && v < n.high);
    case 'gt': return v > n.value;
    case 'lt': return v < n.value;
    case 'ge': return v >= n.value;
    case 'le': return v <= n.value;
    case 'sa': return v > n.value;
    case 'eb': return v < n.value;
    default: throw new Error(`number prefix ${prefix} not modelled`);
  }
}

function matchQuantity(values: unknown[], value: string): boolean {
  const [numberPart, system, code] = splitEscaped(value, '|').map(unescape);
  const { prefix, rest } = splitPrefix(numberPart);
  return values.some((q) => {
    const o = q as { value?: number; system?: string; code?: string; unit?: string };
    if (typeof o?.value !== 'number' || !compareNumber(prefix, o.value, rest)) return false;
    if (code === undefined || code === '') return system === undefined || system === '' || o.system === system;
    if (system === '') return o.code === code || o.unit === code;
    return o.system === system && o.code === code;
  });
}

// ---------------------------------------------------------------- reference

function referencesOf(values: unknown[]): string[] {
  return values.map((v) => (v as { reference?: string })?.reference).filter((r): r is string => typeof r === 'string');
}

// ---------------------------------------------------------------- the store

/** Parameters that shape the answer rather than select resources. */
const RESULT_PARAMETERS = new Set(['_sort', '_count', '_include', '_revinclude', '_elements', '_summary', '_total', '_format', '_pretty']);

export interface Entry {
  name: string;
  value: string;
}

export class Store {
  private readonly byKey = new Map<string, Resource>();

  constructor(resources: Resource[], private readonly fhirBase: string) {
    for (const r of resources) this.byKey.set(`${r.resourceType}/${r.id}`, r);
  }

  all(type: string): Resource[] {
    return [...this.byKey.values()].filter((r) => r.resourceType === type);
  }

  resolve(reference: string): Resource | undefined {
    const local = reference.startsWith(`${this.fhirBase}/`) ? reference.slice(this.fhirBase.length + 1) : reference;
    return this.byKey.get(local);
  }

  /** The ids of `type` matching every parameter of `query` (AND of repeats, OR of comma-separated values). */
  search(type: string, query: string | Entry[]): Set<string> {
    const entries = typeof query === 'string' ? parseQuery(query) : query;
    let candidates = this.all(type);
    for (const e of entries) {
      if (RESULT_PARAMETERS.has(e.name.split(':')[0])) continue;
      candidates = candidates.filter((r) => this.matches(r, e.name, e.value));
    }
    return new Set(candidates.map((r) => r.id));
  }

  /** Whether one resource satisfies one parameter (name with modifiers and chains) and its value. */
  matches(resource: Resource, name: string, value: string): boolean {
    if (name.startsWith('_has:')) return this.matchHas(resource, name.slice('_has:'.length), value);
    const dot = name.indexOf('.');
    if (dot >= 0) return this.matchChain(resource, name.slice(0, dot), name.slice(dot + 1), value);
    const [param, modifier] = name.split(':');
    const def = paramDef(resource.resourceType, param);
    if (modifier === 'missing') {
      const present = this.valuesFor(resource, def).length > 0;
      return value === 'true' ? !present : present;
    }
    if (modifier === 'not') {
      // :not reverses the match of the whole list of values (resources without a value included).
      return !splitEscaped(value, ',').some((v) => this.matchOne(resource, def, undefined, v));
    }
    return splitEscaped(value, ',').some((v) => this.matchOne(resource, def, modifier, v));
  }

  private valuesFor(resource: Resource, def: ParamDef): unknown[] {
    if (def.type === 'reference') return this.referenceValues(resource, def);
    return valuesOf(resource, def);
  }

  /** References of a reference parameter that point to one of its target types. */
  private referenceValues(resource: unknown, def: ParamDef, typeModifier?: string): string[] {
    return referencesOf(valuesOf(resource, def)).filter((ref) => {
      const type = ref.replace(`${this.fhirBase}/`, '').split('/')[0];
      if (def.targets?.length && !def.targets.includes(type)) return false;
      return typeModifier === undefined || type === typeModifier;
    });
  }

  private matchOne(resource: unknown, def: ParamDef, modifier: string | undefined, value: string): boolean {
    const values = valuesOf(resource, def);
    switch (def.type) {
      case 'string':
        return matchString(stringsOf(values, def), modifier, value);
      case 'token':
        return matchToken(tokensOf(values), modifier, value);
      case 'date':
        return matchDate(rangesOf(values), value);
      case 'quantity':
        return matchQuantity(values, value);
      case 'uri':
        return values.some((v) => v === value);
      case 'reference':
        return this.matchReference(resource, def, modifier, value);
      case 'composite': {
        const parts = splitEscaped(value, '$');
        return values.some((el) => def.components!.every((c, i) => parts[i] !== undefined && this.matchOne(el, c, undefined, parts[i])));
      }
    }
  }

  private matchReference(resource: unknown, def: ParamDef, modifier: string | undefined, value: string): boolean {
    const refs = this.referenceValues(resource, def, modifier).map((r) => r.replace(`${this.fhirBase}/`, ''));
    const target = value.replace(`${this.fhirBase}/`, '');
    if (target.includes('/')) return refs.includes(target);
    return refs.some((r) => r.split('/')[1] === target);
  }

  /** `first` is a reference parameter (with an optional :Type), `rest` the parameter applied to its targets. */
  private matchChain(resource: Resource, first: string, rest: string, value: string): boolean {
    const [param, typeModifier] = first.split(':');
    const def = paramDef(resource.resourceType, param);
    if (def.type !== 'reference') throw new Error(`${param} cannot be chained`);
    return this.referenceValues(resource, def, typeModifier).some((ref) => {
      const target = this.resolve(ref);
      return target !== undefined && this.matches(target, rest, value);
    });
  }

  /** `_has:Type:param:rest`: some resource of Type whose `param` points here matches `rest`. */
  private matchHas(resource: Resource, spec: string, value: string): boolean {
    const [type, param, ...restParts] = spec.split(':');
    const rest = restParts.join(':');
    const def = paramDef(type, param);
    const here = `${resource.resourceType}/${resource.id}`;
    return this.all(type).some((other) =>
      this.referenceValues(other, def).some((ref) => ref.replace(`${this.fhirBase}/`, '') === here) && this.matches(other, rest, value));
  }

  // ------------------------------------------------------------ includes and sorting

  /** The resources that `param` of `resources` points to (targets limited to `targetType` when given). */
  referenced(resources: Resource[], param: string, targetType?: string): Set<string> {
    const out = new Set<string>();
    for (const r of resources) {
      const def = paramDef(r.resourceType, param);
      for (const ref of this.referenceValues(r, def, targetType)) {
        const target = this.resolve(ref);
        if (target) out.add(`${target.resourceType}/${target.id}`);
      }
    }
    return out;
  }

  /** The resources of `type` whose `param` points at one of `targets`. */
  referencing(type: string, param: string, targets: Resource[]): Set<string> {
    const keys = new Set(targets.map((r) => `${r.resourceType}/${r.id}`));
    const def = paramDef(type, param);
    const out = new Set<string>();
    for (const r of this.all(type)) {
      if (this.referenceValues(r, def).some((ref) => keys.has(ref.replace(`${this.fhirBase}/`, '')))) out.add(`${type}/${r.id}`);
    }
    return out;
  }

  /** Every resource any reference inside `resources` resolves to. */
  allReferenced(resources: Resource[]): Set<string> {
    const out = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'reference' && typeof x === 'string') {
            const target = this.resolve(x);
            if (target) out.add(`${target.resourceType}/${target.id}`);
          } else if (k !== 'contained') walk(x);
        }
      }
    };
    resources.forEach(walk);
    return out;
  }

  get(type: string, id: string): Resource {
    const r = this.byKey.get(`${type}/${id}`);
    if (!r) throw new Error(`No ${type}/${id}`);
    return r;
  }
}

/** The sort key of a resource for one parameter: a date sorts by the start of its earliest value for
 *  ascending and by the end of its latest for descending; a token by its code. */
export function sortKey(resource: Resource, param: string, descending: boolean): number | string | undefined {
  const def = paramDef(resource.resourceType, param);
  const values = valuesOf(resource, def);
  if (def.type === 'date') {
    const ranges = rangesOf(values);
    if (ranges.length === 0) return undefined;
    return descending ? Math.max(...ranges.map((r) => r.end)) : Math.min(...ranges.map((r) => r.start));
  }
  if (def.type === 'token') {
    const codes = tokensOf(values).map((t) => t.code).filter((c): c is string => c !== undefined).sort();
    return descending ? codes[codes.length - 1] : codes[0];
  }
  if (def.type === 'string') {
    const strings = stringsOf(values, def).map(normalize).sort();
    return descending ? strings[strings.length - 1] : strings[0];
  }
  throw new Error(`sorting by ${def.type} not modelled`);
}

/** Parses `a=1&b=2` (values percent-decoded) into entries, keeping repeats. */
export function parseQuery(query: string): Entry[] {
  return query.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    return { name: decodeURIComponent(p.slice(0, eq)), value: decodeURIComponent(p.slice(eq + 1)) };
  });
}
