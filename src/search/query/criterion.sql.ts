// Turns one criterion into a condition on a resource row alias: an EXISTS over the index table of the
// parameter's type, a chain through reference rows, or a reverse chain (_has).
// https://hl7.org/fhir/R4/search.html
import { ParamType, SearchParamDef } from '../search-parameter.registry';
import { datePredicate } from './predicates/date.predicate';
import { numberPredicate, quantityPredicate } from './predicates/number.predicate';
import { referencePredicate } from './predicates/reference.predicate';
import { stringPredicate } from './predicates/string.predicate';
import { tokenPredicate } from './predicates/token.predicate';
import { uriPredicate } from './predicates/uri.predicate';
import { badParameter, Criterion, ParamCriterion, splitUnescaped } from './search-request';
import { SqlBuilder } from './sql-builder';

type IndexType = Exclude<ParamType, 'composite' | 'special'>;

/** The index table of each parameter type: a fixed allow-list, the only table names a search can reach. */
export const INDEX_TABLES: Record<IndexType, string> = {
  string: 'search_string',
  token: 'search_token',
  date: 'search_date',
  number: 'search_number',
  quantity: 'search_quantity',
  reference: 'search_reference',
  uri: 'search_uri',
};

/** Extra conditions a caller adds to every resource row a search touches (access rules): alias → SQL. */
export type RowFilter = (b: SqlBuilder, alias: string, type: string) => string | undefined;

export interface CriterionContext {
  b: SqlBuilder;
  fhirBaseUrl: string;
  rowFilter?: RowFilter;
  /**
   * When pages follow id order, the bound of the page (`> id` going forward, `< id` going back), repeated
   * inside each index lookup of the searched rows so that the index scan starts at the page.
   */
  idBound?: { op: '>' | '<'; id: string };
}

/** The match of one value of a parameter on index-row alias `x`. */
function valueCondition(ctx: CriterionContext, type: IndexType, x: string, c: { name: string; def: SearchParamDef; modifier?: string }, raw: string): string {
  const { b } = ctx;
  switch (type) {
    case 'string': return stringPredicate(b, x, raw, c.modifier);
    case 'token': return tokenPredicate(b, x, c.name, raw, c.modifier === 'not' ? undefined : c.modifier);
    case 'date': return datePredicate(b, `${x}.low`, `${x}.high`, c.name, raw);
    case 'number': return numberPredicate(b, x, c.name, raw);
    case 'quantity': return quantityPredicate(b, x, c.name, raw);
    case 'uri': return uriPredicate(b, x, raw, c.modifier);
    case 'reference': {
      const typeModifier = c.modifier !== undefined && c.modifier !== 'identifier' ? c.modifier : undefined;
      return referencePredicate(b, x, c.name, raw, c.def, typeModifier, ctx.fhirBaseUrl);
    }
  }
}

/** Rows of `table` for parameter `param` of the resource at `owner`. */
function ownedRows(ctx: CriterionContext, table: string, x: string, ownerType: string, owner: string, param: string): string {
  const bound = owner === 'r' && ctx.idBound ? ` AND ${x}.resource_id ${ctx.idBound.op} ${ctx.b.bind(ctx.idBound.id)}` : '';
  return `FROM ${table} ${x} WHERE ${x}.resource_type = ${ctx.b.bind(ownerType)} AND ${x}.resource_id = ${owner}.id AND ${x}.param = ${ctx.b.bind(param)}${bound}`;
}

function live(ctx: CriterionContext, alias: string, type: string): string {
  const extra = ctx.rowFilter?.(ctx.b, alias, type);
  return `NOT ${alias}.deleted${extra ? ` AND ${extra}` : ''}`;
}

export function criterionSql(ctx: CriterionContext, ownerType: string, owner: string, c: Criterion): string {
  if (c.kind === 'chain') return chainSql(ctx, ownerType, owner, c);
  if (c.kind === 'has') return hasSql(ctx, ownerType, owner, c);
  return paramSql(ctx, ownerType, owner, c);
}

function paramSql(ctx: CriterionContext, ownerType: string, owner: string, c: ParamCriterion): string {
  const { b } = ctx;
  const values = c.values.filter((v) => v !== '');
  // A parameter given without a value (`code=` or `code=,`) is no criterion.
  if (values.length === 0 && c.modifier !== 'missing') return 'TRUE';
  if (c.def.code === '_id') {
    const ids = values.map((v) => v.replace(/\\(.)/g, '$1'));
    return `${c.modifier === 'not' ? 'NOT ' : ''}${owner}.id = ANY(${b.bind(ids, 'text[]')})`;
  }
  if (c.def.code === '_lastUpdated') {
    return `(${values.map((v) => datePredicate(b, `${owner}.last_updated`, `(${owner}.last_updated + interval '1 millisecond')`, c.name, v)).join(' OR ')})`;
  }
  if (c.def.type === 'composite') return compositeSql(ctx, ownerType, owner, c);
  const type = c.def.type as IndexType;
  // :identifier matches the token rows kept for Reference.identifier under "<code>:identifier".
  const [table, param, rowType] = c.modifier === 'identifier'
    ? [INDEX_TABLES.token, `${c.def.code}:identifier`, 'token' as IndexType]
    : [INDEX_TABLES[type], c.def.code, type];
  const x = b.alias('x');
  if (c.modifier === 'missing') {
    return `${values[0] === 'true' ? 'NOT ' : ''}EXISTS (SELECT 1 ${ownedRows(ctx, table, x, ownerType, owner, param)})`;
  }
  const rows = ownedRows(ctx, table, x, ownerType, owner, param);
  const alternatives = values.map((v) => `(${valueCondition(ctx, rowType, x, { ...c, modifier: c.modifier === 'identifier' ? undefined : c.modifier }, v)})`);
  const exists = `EXISTS (SELECT 1 ${rows} AND (${alternatives.join(' OR ')}))`;
  return c.modifier === 'not' ? `NOT ${exists}` : exists;
}

/** Composite: the components of one value must match index rows of the same element (same group). */
function compositeSql(ctx: CriterionContext, ownerType: string, owner: string, c: ParamCriterion): string {
  const { b } = ctx;
  const comps = c.def.components;
  const aliases = comps.map(() => b.alias('c'));
  const from = comps.map((comp, i) => `${INDEX_TABLES[comp.type]} ${aliases[i]}`).join(', ');
  const [first] = aliases;
  const joins = [
    `${first}.resource_type = ${b.bind(ownerType)}`,
    `${first}.resource_id = ${owner}.id`,
    `${first}.param = ${b.bind(c.def.code)}`,
    ...aliases.slice(1).flatMap((a) => [
      `${a}.resource_type = ${first}.resource_type`, `${a}.resource_id = ${first}.resource_id`, `${a}.param = ${first}.param`, `${a}.grp = ${first}.grp`,
    ]),
  ];
  if (c.modifier === 'missing') {
    return `${c.values[0] === 'true' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${INDEX_TABLES[comps[0].type]} ${first} WHERE ${joins.slice(0, 3).join(' AND ')})`;
  }
  const given = c.values.filter((v) => v !== '');
  if (given.length === 0) return 'TRUE';
  const alternatives = given.map((value) => {
    const parts = splitUnescaped(value, '$');
    if (parts.length !== comps.length) {
      throw badParameter(c.name, `${c.name} takes ${comps.length} values separated by $`, 'invalid-composite-parameter');
    }
    return `(${parts.map((p, i) => valueCondition(ctx, comps[i].type, aliases[i], { name: c.name, def: c.def }, p)).join(' AND ')})`;
  });
  return `EXISTS (SELECT 1 FROM ${from} WHERE ${joins.join(' AND ')} AND (${alternatives.join(' OR ')}))`;
}

function chainSql(ctx: CriterionContext, ownerType: string, owner: string, c: Extract<Criterion, { kind: 'chain' }>): string {
  const { b } = ctx;
  const x = b.alias('x');
  const options = c.targets.map(({ type, next }) => {
    const r = b.alias('r');
    return `(${x}.target_type = ${b.bind(type)} AND EXISTS (SELECT 1 FROM resource ${r} WHERE ${r}.resource_type = ${x}.target_type ` +
      `AND ${r}.id = ${x}.target_id AND ${live(ctx, r, type)} AND ${criterionSql(ctx, type, r, next)}))`;
  });
  return `EXISTS (SELECT 1 ${ownedRows(ctx, INDEX_TABLES.reference, x, ownerType, owner, c.def.code)} AND (${options.join(' OR ')}))`;
}

function hasSql(ctx: CriterionContext, ownerType: string, owner: string, c: Extract<Criterion, { kind: 'has' }>): string {
  const { b } = ctx;
  const h = b.alias('h');
  const r = b.alias('r');
  return `EXISTS (SELECT 1 FROM search_reference ${h} JOIN resource ${r} ON ${r}.resource_type = ${h}.resource_type AND ${r}.id = ${h}.resource_id ` +
    `WHERE ${h}.resource_type = ${b.bind(c.source)} AND ${h}.param = ${b.bind(c.def.code)} AND ${h}.target_type = ${b.bind(ownerType)} ` +
    `AND ${h}.target_id = ${owner}.id AND ${live(ctx, r, c.source)} AND ${criterionSql(ctx, c.source, r, c.next)})`;
}
