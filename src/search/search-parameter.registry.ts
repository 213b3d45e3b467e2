// The search parameters of every enabled type, from the official R4 SearchParameter definitions: each
// parameter's code, type, the parts of its FHIRPath expression that start at that type, its reference targets
// and composite components. Everything a search names is looked up here before it reaches SQL.
// https://hl7.org/fhir/R4/searchparameter-registry.html
import { Injectable } from '@nestjs/common';
import { readR4Definitions } from '../conformance/definitions';
import { ConformanceRegistry } from '../conformance/conformance.registry';

export type ParamType = 'string' | 'token' | 'date' | 'number' | 'quantity' | 'reference' | 'uri' | 'composite' | 'special';

/** One `|`-separated part of an expression, and the reference target it keeps (from `where(resolve() is X)`). */
export interface ExpressionPart {
  expression: string;
  targetType?: string;
}

export interface CompositeComponent {
  type: Exclude<ParamType, 'composite' | 'special'>;
  expression: string;
}

export interface SearchParamDef {
  code: string;
  type: ParamType;
  /** Parts of the expression for this base type; empty for parameters answered from resource columns. */
  parts: ExpressionPart[];
  /** Resource types a reference parameter may point to. */
  targets: string[];
  components: CompositeComponent[];
  /** The official definition's canonical URL. */
  url: string;
  description?: string;
}

interface SearchParameterResource {
  url: string;
  code: string;
  base: string[];
  type: ParamType;
  expression?: string;
  target?: string[];
  description?: string;
  component?: { definition: string; expression: string }[];
}

/** Splits an expression at its top-level `|` (outside parentheses and quotes). */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" && expression[i - 1] !== '\\') quote = !quote;
    else if (!quote && c === '(') depth++;
    else if (!quote && c === ')') depth--;
    else if (!quote && depth === 0 && c === '|') {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((p) => p !== '');
}

const RESOLVE_FILTER = /\.where\(resolve\(\) is ([A-Za-z]+)\)/;

/** The parts of `expression` that apply to `type` ("Observation.code", "(Observation.value as Quantity)"). */
function partsFor(type: string, expression: string): ExpressionPart[] {
  const out: ExpressionPart[] = [];
  for (let part of splitUnion(expression)) {
    let bare = part;
    while (bare.startsWith('(') && bare.endsWith(')')) bare = bare.slice(1, -1).trim();
    // Parameters of every type name the base type: evaluate them from the concrete one.
    const inherited = /^(Resource|DomainResource)\./.exec(bare);
    if (inherited) part = bare = `${type}.${bare.slice(inherited[0].length)}`;
    const applies = bare === type || bare.startsWith(`${type}.`) || bare.startsWith(`${type} `);
    if (!applies) continue;
    const filter = RESOLVE_FILTER.exec(part);
    if (filter) part = part.replace(RESOLVE_FILTER, '');
    out.push({ expression: part, targetType: filter?.[1] });
  }
  return out;
}

/** Parameters of every type that the resource table's own columns answer. */
const COLUMN_PARAMS = new Set(['_id', '_lastUpdated']);
/** Defined by R4 but not offered: full-text search and named queries. */
const NOT_OFFERED = new Set(['_text', '_content', '_query']);

@Injectable()
export class SearchParameterRegistry {
  private readonly byType = new Map<string, Map<string, SearchParamDef>>();

  constructor(conformance: ConformanceRegistry) {
    const all = readR4Definitions<SearchParameterResource>('search-parameters.json').entry.map((e) => e.resource);
    const byUrl = new Map(all.map((p) => [p.url, p]));
    const common = all.filter((p) => p.base.includes('Resource') || p.base.includes('DomainResource'));
    for (const type of conformance.resourceTypes) {
      const params = new Map<string, SearchParamDef>();
      for (const sp of [...common, ...all.filter((p) => p.base.includes(type))]) {
        if (NOT_OFFERED.has(sp.code) || params.has(sp.code)) continue;
        const def = this.define(type, sp, byUrl);
        if (def) params.set(sp.code, def);
      }
      this.byType.set(type, params);
    }
  }

  private define(type: string, sp: SearchParameterResource, byUrl: Map<string, SearchParameterResource>): SearchParamDef | undefined {
    const base = { code: sp.code, type: sp.type, url: sp.url, description: sp.description, targets: sp.target ?? [], components: [] as CompositeComponent[] };
    if (COLUMN_PARAMS.has(sp.code)) return { ...base, parts: [] };
    if (!sp.expression) return undefined;
    const parts = partsFor(type, sp.expression);
    if (parts.length === 0) return undefined;
    if (sp.type === 'special') return undefined; // Location near: geographic search is not offered
    if (sp.type === 'composite') {
      const components: CompositeComponent[] = [];
      for (const c of sp.component ?? []) {
        const t = byUrl.get(c.definition)?.type;
        if (!t || t === 'composite' || t === 'special') return undefined;
        components.push({ type: t, expression: c.expression });
      }
      return { ...base, parts, components };
    }
    return { ...base, parts };
  }

  /** The parameter `code` of `type`, or undefined when the type has no such parameter. */
  get(type: string, code: string): SearchParamDef | undefined {
    return this.byType.get(type)?.get(code);
  }

  /** Every parameter of a type, in definition order. */
  all(type: string): SearchParamDef[] {
    return [...(this.byType.get(type)?.values() ?? [])];
  }
}
