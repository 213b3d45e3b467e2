// Extracts a resource's search-index rows at write time: each SearchParameter's own FHIRPath expression is
// evaluated (fhirpath, R4 model) and every value is turned into rows of its parameter type's table.
// https://hl7.org/fhir/R4/search.html#ptypes
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { compiled, CompiledExpression } from '../conformance/fhirpath.engine';
import { FhirResource } from '../storage/stored-resource';
import { emptyIndexRows, IndexRows } from './index-rows';
import { ParamType, SearchParamDef, SearchParameterRegistry } from './search-parameter.registry';
import { dateRange, MAX_INDEXED_TEXT, normalizeText, periodRange } from './search-values';

type Json = Record<string, any>;

/** A value the engine returned: its FHIR type (when known) and its JSON. */
interface Typed {
  type: string;
  data: unknown;
  /** The definition path of the node, the base for evaluating composite components on it. */
  path?: string;
}

interface CompiledPart {
  fn: CompiledExpression;
  targetType?: string;
}

interface TypedNode {
  data: unknown;
  path?: string;
  fhirNodeDataType?: string;
}

const clip = (s: string) => (s.length > MAX_INDEXED_TEXT ? s.slice(0, MAX_INDEXED_TEXT) : s);
const text = (s: unknown) => (typeof s === 'string' && s !== '' ? clip(normalizeText(s)) : null);
const str = (s: unknown) => (typeof s === 'string' ? clip(s) : s === undefined || s === null ? null : clip(String(s)));

const REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

function typed(value: unknown): Typed | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'object' && 'data' in (value as object)) {
    const node = value as TypedNode;
    if (node.data === undefined || node.data === null) return undefined;
    // decimals come wrapped with their written form, which keeps their precision
    const data = typeof node.data === 'object' && typeof (node.data as { asStr?: unknown }).asStr === 'string'
      ? Number((node.data as { asStr: string }).asStr)
      : node.data;
    return { type: node.fhirNodeDataType ?? typeof data, data, path: node.path };
  }
  return { type: typeof value, data: value };
}

@Injectable()
export class SearchIndexer {
  private readonly compiledParts = new Map<string, CompiledPart[]>();

  constructor(
    private readonly registry: SearchParameterRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  extract(resource: FhirResource): IndexRows {
    const rows = emptyIndexRows();
    let group = 0;
    for (const def of this.registry.all(resource.resourceType)) {
      if (def.parts.length === 0) continue; // answered from the resource row itself
      for (const { fn, targetType } of this.parts(resource.resourceType, def)) {
        const values = fn(resource, { resource }).map(typed).filter((v): v is Typed => v !== undefined);
        if (def.type === 'composite') {
          for (const root of values) this.composite(rows, def, root, resource, ++group);
        } else {
          for (const v of values) this.add(rows, def.type, def.code, v, targetType, null);
        }
      }
    }
    return rows;
  }

  private parts(type: string, def: SearchParamDef): CompiledPart[] {
    const key = `${type}.${def.code}`;
    let parts = this.compiledParts.get(key);
    if (!parts) {
      parts = [];
      for (const p of def.parts) {
        const fn = compiled(type, p.expression);
        if (fn) parts.push({ fn, targetType: p.targetType });
      }
      this.compiledParts.set(key, parts);
    }
    return parts;
  }

  /** Each component of a composite, evaluated on the same element, under one group number; all or none. */
  private composite(rows: IndexRows, def: SearchParamDef, root: Typed, resource: FhirResource, grp: number): void {
    const base = root.path ?? resource.resourceType;
    const found: { type: ParamType; values: Typed[] }[] = [];
    for (const component of def.components) {
      const fn = compiled(base, component.expression);
      const values = fn ? fn(root.data, { resource }).map(typed).filter((v): v is Typed => v !== undefined) : [];
      if (values.length === 0) return;
      found.push({ type: component.type, values });
    }
    for (const { type, values } of found) for (const v of values) this.add(rows, type, def.code, v, undefined, grp);
  }

  private add(rows: IndexRows, type: ParamType, param: string, v: Typed, targetType: string | undefined, grp: number | null): void {
    const data = v.data as Json;
    switch (type) {
      case 'string':
        return this.strings(rows, param, v, grp);
      case 'token':
        return this.tokens(rows, param, v, grp);
      case 'date': {
        const range = this.dateOf(v);
        if (range) rows.date.push({ param, low: range.low, high: range.high, grp });
        return;
      }
      case 'number':
        if (typeof data === 'number') rows.number.push({ param, value: String(data), grp });
        return;
      case 'quantity':
        return this.quantity(rows, param, v, grp);
      case 'uri':
        if (typeof data === 'string') rows.uri.push({ param, value: clip(data), grp });
        return;
      case 'reference':
        return this.reference(rows, param, v, targetType, grp);
      default:
        return;
    }
  }

  private strings(rows: IndexRows, param: string, v: Typed, grp: number | null): void {
    const push = (s: unknown) => {
      if (typeof s === 'string' && s.trim() !== '') rows.string.push({ param, value: clip(s), normalized: text(s)!, grp });
    };
    const d = v.data as Json;
    if (typeof d !== 'object') return push(d);
    if (v.type === 'HumanName') {
      for (const s of [d.family, d.text, ...(d.given ?? []), ...(d.prefix ?? []), ...(d.suffix ?? [])]) push(s);
    } else if (v.type === 'Address') {
      for (const s of [...(d.line ?? []), d.city, d.district, d.state, d.postalCode, d.country, d.text]) push(s);
    }
  }

  private tokens(rows: IndexRows, param: string, v: Typed, grp: number | null): void {
    const d = v.data as Json;
    const push = (system: unknown, code: unknown, label: unknown, typeSystem: unknown = null, typeCode: unknown = null): void => {
      rows.token.push({ param, system: str(system), code: str(code), text: text(label), typeSystem: str(typeSystem), typeCode: str(typeCode), grp });
    };
    if (typeof d !== 'object') return push(null, typeof d === 'boolean' ? String(d) : d, null);
    switch (v.type) {
      case 'Coding':
        return push(d.system, d.code, d.display);
      case 'CodeableConcept':
        for (const c of (d.coding ?? []) as Json[]) push(c.system, c.code, c.display ?? d.text);
        if (d.text && !(d.coding ?? []).length) push(null, null, d.text);
        return;
      case 'Identifier': {
        const types = ((d.type?.coding ?? []) as Json[]).filter((c) => c.code);
        if (types.length === 0) return push(d.system, d.value, d.type?.text);
        for (const t of types) push(d.system, d.value, d.type?.text, t.system, t.code);
        return;
      }
      case 'ContactPoint':
        return push(null, d.value, null);
      default:
        return;
    }
  }

  private dateOf(v: Typed) {
    const d = v.data as Json;
    if (typeof d === 'string') return dateRange(d);
    if (typeof d !== 'object') return undefined;
    if (v.type === 'Period') return periodRange(d.start, d.end);
    if (v.type === 'Timing') {
      const ranges = ((d.event ?? []) as string[]).map(dateRange);
      const bounds = d.repeat?.boundsPeriod as Json | undefined;
      if (bounds) ranges.push(periodRange(bounds.start, bounds.end));
      const known = ranges.filter((r) => r !== undefined);
      if (known.length === 0) return undefined;
      return { low: known.map((r) => r.low).sort()[0], high: known.map((r) => r.high).sort().reverse()[0] };
    }
    return undefined;
  }

  private quantity(rows: IndexRows, param: string, v: Typed, grp: number | null): void {
    const d = v.data as Json;
    if (typeof d !== 'object' || typeof d.value !== 'number') return;
    if (v.type === 'Money') {
      rows.quantity.push({ param, value: String(d.value), system: 'urn:iso:std:iso:4217', code: str(d.currency), unit: str(d.currency), grp });
      return;
    }
    rows.quantity.push({ param, value: String(d.value), system: str(d.system), code: str(d.code), unit: str(d.unit), grp });
  }

  private reference(rows: IndexRows, param: string, v: Typed, targetType: string | undefined, grp: number | null): void {
    const d = v.data as unknown;
    if (typeof d === 'string') {
      // canonical and uri values of reference parameters are matched by URL (a version suffix is dropped)
      rows.reference.push({ param, targetType: null, targetId: null, url: clip(d.split('|')[0]), grp });
      return;
    }
    if (typeof d !== 'object' || d === null) return;
    const ref = d as Json;
    if (ref.identifier && typeof ref.identifier === 'object') {
      this.tokens(rows, `${param}:identifier`, { type: 'Identifier', data: ref.identifier }, grp);
    }
    if (typeof ref.reference !== 'string' || ref.reference.startsWith('#')) return;
    const local = this.localReference(ref.reference);
    if (local) {
      if (targetType && local.type !== targetType) return;
      rows.reference.push({ param, targetType: local.type, targetId: local.id, url: null, grp });
    } else if (!targetType || ref.reference.includes(`/${targetType}/`)) {
      rows.reference.push({ param, targetType: null, targetId: null, url: clip(ref.reference), grp });
    }
  }

  /** "Type/id", with or without this server's base URL and a version; undefined for anything else. */
  private localReference(reference: string): { type: string; id: string } | undefined {
    const base = `${this.config.fhirBaseUrl}/`;
    const relative = reference.startsWith(base) ? reference.slice(base.length) : reference;
    const m = REFERENCE.exec(relative);
    return m ? { type: m[1], id: m[2] } : undefined;
  }
}
