// The statements of a type-level search: the page (criteria, sort keys, keyset position), the count, and the
// planner's estimate. Sort keys are correlated lookups of the index tables, chosen from a fixed list by type.
// https://hl7.org/fhir/R4/search.html#sort
import { criterionSql, CriterionContext, INDEX_TABLES, RowFilter } from './criterion.sql';
import { SearchRequest, SortKey } from './search-request';
import { Cast, SqlBuilder } from './sql-builder';

/** A keyset position: the sort values of a row (as text, null when the row has none) and its id. */
export interface KeysetPosition {
  values: (string | null)[];
  id: string;
}

export interface PageQuery {
  request: SearchRequest;
  count: number;
  after?: KeysetPosition;
  /** Page backwards: the rows just before `after`, in the search's order. */
  backwards?: boolean;
  fhirBaseUrl: string;
  rowFilter?: RowFilter;
}

interface SortColumn {
  sql: string;
  cast: Cast;
  descending: boolean;
}

const COLUMNS = 'r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content, r.compartments';

function sortColumn(b: SqlBuilder, type: string, key: SortKey): SortColumn {
  const { descending } = key;
  if (key.code === '_id') return { sql: 'r.id', cast: 'text', descending };
  if (key.code === '_lastUpdated') return { sql: 'r.last_updated', cast: 'timestamptz', descending };
  const def = key.def!;
  const agg = descending ? 'max' : 'min';
  const owned = (table: string) => `FROM ${table} s WHERE s.resource_type = ${b.bind(type)} AND s.resource_id = r.id AND s.param = ${b.bind(def.code)}`;
  switch (def.type) {
    case 'string': return { sql: `(SELECT ${agg}(s.normalized) ${owned(INDEX_TABLES.string)})`, cast: 'text', descending };
    case 'token': return { sql: `(SELECT ${agg}(s.code) ${owned(INDEX_TABLES.token)})`, cast: 'text', descending };
    case 'date': return { sql: `(SELECT ${descending ? 'max(s.high)' : 'min(s.low)'} ${owned(INDEX_TABLES.date)})`, cast: 'timestamptz', descending };
    case 'number': return { sql: `(SELECT ${agg}(s.value) ${owned(INDEX_TABLES.number)})`, cast: 'numeric', descending };
    case 'quantity': return { sql: `(SELECT ${agg}(s.value) ${owned(INDEX_TABLES.quantity)})`, cast: 'numeric', descending };
    case 'uri': return { sql: `(SELECT ${agg}(s.value) ${owned(INDEX_TABLES.uri)})`, cast: 'text', descending };
    default:
      return { sql: `(SELECT ${agg}(coalesce(s.target_type || '/' || s.target_id, s.url)) ${owned(INDEX_TABLES.reference)})`, cast: 'text', descending };
  }
}

/** The WHERE clause shared by the page, the count and the estimate: type, not deleted, access, criteria. */
function whereClause(ctx: CriterionContext, request: SearchRequest): string {
  const { b } = ctx;
  const conditions = [`r.resource_type = ${b.bind(request.type)}`, 'NOT r.deleted'];
  const access = ctx.rowFilter?.(b, 'r', request.type);
  if (access) conditions.push(access);
  for (const c of request.criteria) conditions.push(criterionSql(ctx, request.type, 'r', c));
  return conditions.join('\n  AND ');
}

/**
 * "After `position`" in the order of `columns` (nulls last in either direction), then id ascending; flipped
 * when paging backwards.
 */
function keysetCondition(b: SqlBuilder, columns: SortColumn[], position: KeysetPosition, backwards: boolean): string {
  const ors: string[] = [];
  const equal: string[] = [];
  columns.forEach((col, i) => {
    const k = `s.k${i}`;
    const v = position.values[i];
    const forward = col.descending === backwards; // ascending order for this key, in the direction of travel
    let after: string;
    if (!backwards) {
      // nulls come last: after a value are the greater (or smaller) values and the nulls; nothing after a null
      after = v === null ? 'false' : `(${k} ${forward ? '>' : '<'} ${b.bind(v, col.cast)} OR ${k} IS NULL)`;
    } else {
      // travelling back over nulls-last: before a null are all values; before a value, the smaller (greater) ones
      after = v === null ? `${k} IS NOT NULL` : `${k} ${forward ? '>' : '<'} ${b.bind(v, col.cast)}`;
    }
    ors.push([...equal, after].join(' AND '));
    equal.push(v === null ? `${k} IS NULL` : `${k} = ${b.bind(v, col.cast)}`);
  });
  ors.push([...equal, `s.id ${backwards ? '<' : '>'} ${b.bind(position.id)}`].join(' AND '));
  return ors.map((o) => `(${o})`).join(' OR ');
}

export function pageStatement(q: PageQuery): { sql: string; params: unknown[]; sortCount: number } {
  const b = new SqlBuilder();
  const idOrder = q.request.sort.length === 0 && q.after !== undefined;
  const ctx: CriterionContext = {
    b, fhirBaseUrl: q.fhirBaseUrl, rowFilter: q.rowFilter,
    idBound: idOrder ? { op: q.backwards ? '<' : '>', id: q.after!.id } : undefined,
  };
  const columns = q.request.sort.map((key) => sortColumn(b, q.request.type, key));
  const where = whereClause(ctx, q.request);
  const keys = columns.map((c, i) => `, ${c.sql} AS k${i}`).join('');
  const backwards = q.backwards === true;
  const order = [
    ...columns.map((c, i) => {
      const descending = c.descending !== backwards;
      return `s.k${i} ${descending ? 'DESC' : 'ASC'} NULLS ${backwards ? 'FIRST' : 'LAST'}`;
    }),
    `s.id ${backwards ? 'DESC' : 'ASC'}`,
  ].join(', ');
  const keyset = q.after ? `WHERE ${keysetCondition(b, columns, q.after, backwards)}` : '';
  const sql = `SELECT s.* FROM (SELECT ${COLUMNS}${keys} FROM resource r WHERE ${where}) s ${keyset} ORDER BY ${order} LIMIT ${b.bind(q.count + 1, 'int')}`;
  return { sql, params: b.params, sortCount: columns.length };
}

/** Counts matches, stopping past `cap` so a huge result does not cost a full scan. */
export function countStatement(q: Omit<PageQuery, 'count'>, cap: number): { sql: string; params: unknown[] } {
  const b = new SqlBuilder();
  const where = whereClause({ b, fhirBaseUrl: q.fhirBaseUrl, rowFilter: q.rowFilter }, q.request);
  return { sql: `SELECT count(*)::int AS total FROM (SELECT 1 FROM resource r WHERE ${where} LIMIT ${b.bind(cap + 1, 'bigint')}) m`, params: b.params };
}

/** The statement whose plan gives the estimate of _total=estimate. */
export function estimateStatement(q: Omit<PageQuery, 'count'>): { sql: string; params: unknown[] } {
  const b = new SqlBuilder();
  const where = whereClause({ b, fhirBaseUrl: q.fhirBaseUrl, rowFilter: q.rowFilter }, q.request);
  return { sql: `EXPLAIN (FORMAT JSON) SELECT 1 FROM resource r WHERE ${where}`, params: b.params };
}
