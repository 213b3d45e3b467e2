// Turns the parameters of a search into a checked request: criteria (each looked up in the registry, with its
// modifier, chain or reverse chain), sort keys, includes and the result parameters.
// https://hl7.org/fhir/R4/search.html
import { FhirError } from '../../outcome/operation-outcome';
import { SearchParamDef, SearchParameterRegistry } from '../search-parameter.registry';

export type Query = Record<string, string | string[] | undefined>;

/** A parameter of the type itself: `code=a,b` or `code:text=a`. */
export interface ParamCriterion {
  kind: 'param';
  /** The parameter as the client wrote it, for messages. */
  name: string;
  def: SearchParamDef;
  modifier?: string;
  /** The comma-separated alternatives (OR), still escaped. */
  values: string[];
}

/** `subject:Patient.name=x`: resources whose reference parameter points at a resource matching `next`. */
export interface ChainCriterion {
  kind: 'chain';
  name: string;
  def: SearchParamDef;
  /** Each target type on which the chained criterion is defined, with that criterion. */
  targets: { type: string; next: Criterion }[];
}

/** `_has:Observation:patient:code=x`: resources referred to, through `def`, by a `source` resource matching `next`. */
export interface HasCriterion {
  kind: 'has';
  name: string;
  source: string;
  def: SearchParamDef;
  next: Criterion;
}

export type Criterion = ParamCriterion | ChainCriterion | HasCriterion;

export interface SortKey {
  /** `_id`, `_lastUpdated` or a parameter of the type. */
  code: string;
  def?: SearchParamDef;
  descending: boolean;
}

export interface IncludeSpec {
  /** The type whose reference parameter is followed (`Observation` in `Observation:patient`). */
  source: string;
  /** The reference parameters followed; several for `*`. */
  params: SearchParamDef[];
  targetType?: string;
  iterate: boolean;
  reverse: boolean;
  /** The value as written, for links. */
  text: string;
}

export type TotalMode = 'none' | 'estimate' | 'accurate';
export type SummaryMode = 'true' | 'false' | 'text' | 'data' | 'count';

export interface SearchRequest {
  type: string;
  criteria: Criterion[];
  sort: SortKey[];
  include: IncludeSpec[];
  total?: TotalMode;
  summary?: SummaryMode;
  elements?: string[];
  /** Parameter names that were not understood and are ignored. */
  unknown: string[];
  /** The criteria parameters as given, in a canonical order, for links and for binding cursors. */
  canonical: [string, string][];
}

/** Parameters that shape the answer; handled by the interaction, not turned into criteria. */
export const PAGING_PARAMETERS = new Set(['_count', '_cursor', '_format', '_pretty']);
const RESULT_PARAMETERS = new Set([
  '_sort', '_total', '_summary', '_elements', '_include', '_revinclude', '_include:iterate', '_revinclude:iterate',
  '_include:recurse', '_revinclude:recurse',
]);
/** Defined by the specification but not offered here: ignored and reported like unknown parameters. */
const NOT_OFFERED_RESULT = new Set(['_contained', '_containedType', '_query', '_filter', '_text', '_content', '_list', '_type']);

const MODIFIERS: Record<string, ReadonlySet<string>> = {
  string: new Set(['exact', 'contains', 'missing']),
  token: new Set(['not', 'text', 'of-type', 'missing']),
  date: new Set(['missing']),
  number: new Set(['missing']),
  quantity: new Set(['missing']),
  reference: new Set(['identifier', 'missing']),
  uri: new Set(['below', 'above', 'missing']),
  composite: new Set(['missing']),
};

const MAX_CHAIN_DEPTH = 4;
const MAX_VALUES = 100;
const MAX_CRITERIA = 50;
export const MAX_INCLUDE_SPECS = 20;

function list(raw: string | string[] | undefined): string[] {
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

function once(query: Query, name: string): string | undefined {
  const values = list(query[name]);
  if (values.length > 1) throw FhirError.of(400, 'invalid', 'parameter-repeated', `Parameter ${name} may appear once only`, [name]);
  return values[0];
}

/** Splits at separators not escaped with a backslash; escapes are kept for the value parsers. */
export function splitUnescaped(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1];
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** Removes the search escapes (`\,` `\$` `\|` `\\`). */
export function unescapeValue(value: string): string {
  return value.replace(/\\([\\,$|])/g, '$1');
}

export function badParameter(name: string, text: string, code = 'invalid-search-parameter'): FhirError {
  return FhirError.of(400, 'invalid', code, text, [name]);
}

export class SearchRequestParser {
  constructor(private readonly registry: SearchParameterRegistry, private readonly types: (type: string) => boolean) {}

  parse(type: string, query: Query): SearchRequest {
    const request: SearchRequest = { type, criteria: [], sort: [], include: [], unknown: [], canonical: [] };
    for (const [name, raw] of Object.entries(query)) {
      if (raw === undefined) continue;
      // PostgreSQL text cannot hold NUL: refuse it here rather than let it reach a statement.
      if (name.includes('\u0000') || list(raw).some((v) => v.includes('\u0000'))) {
        throw badParameter(name.replace(/\u0000/g, ''), 'Search parameters may not contain NUL characters');
      }
      if (PAGING_PARAMETERS.has(name)) continue;
      if (RESULT_PARAMETERS.has(name)) {
        this.result(request, query, name);
        continue;
      }
      if (NOT_OFFERED_RESULT.has(name)) {
        request.unknown.push(name);
        continue;
      }
      for (const value of list(raw)) {
        if (value === '') continue; // an empty value asks for nothing
        const criterion = this.criterion(type, name, name, value, 0);
        if (criterion === undefined) {
          if (!request.unknown.includes(name)) request.unknown.push(name);
          continue;
        }
        request.criteria.push(criterion);
        request.canonical.push([name, value]);
      }
    }
    if (request.criteria.length > MAX_CRITERIA) {
      throw FhirError.of(400, 'too-costly', 'too-many-criteria', `A search may have at most ${MAX_CRITERIA} criteria`);
    }
    request.canonical.sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
    return request;
  }

  /** One criterion from `key=value`; undefined when `key` names no parameter of `type`. */
  private criterion(type: string, name: string, key: string, value: string, depth: number): Criterion | undefined {
    if (depth > MAX_CHAIN_DEPTH) throw badParameter(name, `${name}: chains may be at most ${MAX_CHAIN_DEPTH} levels deep`);
    if (key.startsWith('_has:')) return this.has(type, name, key, value, depth);
    const dot = key.indexOf('.');
    const head = dot < 0 ? key : key.slice(0, dot);
    const [code, modifier, ...extra] = head.split(':');
    const def = this.registry.get(type, code);
    if (!def) return undefined;
    if (extra.length > 0) throw badParameter(name, `${name}: a parameter takes one modifier at most`, 'unknown-modifier');
    if (dot >= 0) return this.chain(type, name, def, modifier, key.slice(dot + 1), value, depth);
    if (modifier !== undefined && !this.allowedModifier(def, modifier)) {
      throw badParameter(name, `Modifier :${modifier} is not supported for parameter ${code} of ${type}`, 'unknown-modifier');
    }
    const values = splitUnescaped(value, ',');
    if (values.length > MAX_VALUES) throw badParameter(name, `${name} may list at most ${MAX_VALUES} values`, 'too-many-values');
    if (modifier === 'missing' && (values.length !== 1 || !['true', 'false'].includes(values[0]))) {
      throw badParameter(name, `${name} must be true or false`);
    }
    return { kind: 'param', name, def, modifier, values };
  }

  private allowedModifier(def: SearchParamDef, modifier: string): boolean {
    if (def.type === 'reference' && this.types(modifier) && def.targets.includes(modifier)) return true;
    if (def.code === '_id') return modifier === 'missing' ? false : modifier === 'not';
    if (def.code === '_lastUpdated') return false;
    return MODIFIERS[def.type]?.has(modifier) ?? false;
  }

  private chain(type: string, name: string, def: SearchParamDef, modifier: string | undefined, rest: string, value: string, depth: number): Criterion {
    if (def.type !== 'reference') throw badParameter(name, `${name}: only reference parameters can be chained`, 'invalid-chain');
    let targets = def.targets.filter((t) => this.types(t));
    if (modifier !== undefined) {
      if (!targets.includes(modifier)) throw badParameter(name, `${name}: ${modifier} is not a target of ${def.code}`, 'invalid-chain');
      targets = [modifier];
    }
    const chained: { type: string; next: Criterion }[] = [];
    for (const target of targets) {
      const next = this.criterion(target, name, rest, value, depth + 1);
      if (next) chained.push({ type: target, next });
    }
    if (chained.length === 0) throw badParameter(name, `${name}: no target type of ${def.code} has the parameter ${rest.split(/[.:]/)[0]}`, 'invalid-chain');
    return { kind: 'chain', name, def, targets: chained };
  }

  private has(type: string, name: string, key: string, value: string, depth: number): Criterion {
    const [, source, code, ...rest] = key.split(':');
    if (!source || !code || rest.length === 0 || rest[0] === '') {
      throw badParameter(name, `${name}: _has takes the form _has:Type:reference:parameter`, 'invalid-chain');
    }
    if (!this.types(source)) throw badParameter(name, `${name}: ${source} is not a resource type of this server`, 'invalid-chain');
    const def = this.registry.get(source, code);
    if (!def || def.type !== 'reference') throw badParameter(name, `${name}: ${code} is not a reference parameter of ${source}`, 'invalid-chain');
    const next = this.criterion(source, name, rest.join(':'), value, depth + 1);
    if (!next) throw badParameter(name, `${name}: ${rest[0].split('.')[0]} is not a parameter of ${source}`, 'invalid-chain');
    return { kind: 'has', name, source, def, next };
  }

  private result(request: SearchRequest, query: Query, name: string): void {
    switch (name) {
      case '_sort':
        request.sort = this.sort(request.type, once(query, name)!);
        return;
      case '_total': {
        const v = once(query, name)!;
        if (!['none', 'estimate', 'accurate'].includes(v)) throw badParameter(name, '_total must be none, estimate or accurate');
        request.total = v as TotalMode;
        return;
      }
      case '_summary': {
        const v = once(query, name)!;
        if (!['true', 'false', 'text', 'data', 'count'].includes(v)) throw badParameter(name, '_summary must be true, false, text, data or count');
        request.summary = v as SummaryMode;
        return;
      }
      case '_elements': {
        const v = once(query, name)!;
        const names = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
        if (names.length > 100 || names.some((n) => !/^[a-z][A-Za-z0-9]{0,63}$/.test(n))) {
          throw badParameter(name, '_elements must list element names such as id,status,code');
        }
        request.elements = names;
        return;
      }
      default: {
        const reverse = name.startsWith('_revinclude');
        const iterate = name.endsWith(':iterate') || name.endsWith(':recurse');
        for (const v of list(query[name])) request.include.push(this.include(request.type, name, v, reverse, iterate));
        if (request.include.length > MAX_INCLUDE_SPECS) {
          throw badParameter(name, `A search may have at most ${MAX_INCLUDE_SPECS} _include and _revinclude values`, 'too-many-values');
        }
      }
    }
  }

  private sort(type: string, value: string): SortKey[] {
    const keys = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (keys.length === 0 || keys.length > 5) throw badParameter('_sort', '_sort takes one to five parameters');
    return keys.map((k) => {
      const descending = k.startsWith('-');
      const code = descending ? k.slice(1) : k;
      const def = this.registry.get(type, code);
      if (!def || def.type === 'composite' || def.type === 'special') {
        throw badParameter('_sort', `_sort: ${code} is not a sortable parameter of ${type}`, 'invalid-sort');
      }
      return { code, def, descending };
    });
  }

  private include(type: string, name: string, value: string, reverse: boolean, iterate: boolean): IncludeSpec {
    const [source, code, targetType, ...extra] = value.split(':');
    const invalid = () => badParameter(name, `${name}=${value.slice(0, 100)} must be Type:parameter[:targetType] or *`, 'invalid-include');
    if (value === '*') {
      if (reverse) throw invalid();
      return { source: type, params: this.registry.all(type).filter((p) => p.type === 'reference'), iterate, reverse, text: value };
    }
    if (!source || !code || extra.length > 0 || !this.types(source)) throw invalid();
    if (!reverse && !iterate && source !== type) throw invalid();
    if (targetType !== undefined && !this.types(targetType)) throw invalid();
    const params = code === '*'
      ? this.registry.all(source).filter((p) => p.type === 'reference')
      : [this.registry.get(source, code)].filter((p): p is SearchParamDef => p?.type === 'reference');
    if (params.length === 0) throw invalid();
    return { source, params, targetType, iterate, reverse, text: value };
  }
}
