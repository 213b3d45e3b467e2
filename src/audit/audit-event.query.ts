// The SQL of reading AuditEvents from the audit trail: by id, and searched by patient, date, agent, entity and
// _id, newest first with keyset paging on seq. The caller's access filter is applied in the statement, on a row
// shaped like the resource table's (resource_type, id, compartments). https://hl7.org/fhir/R4/auditevent.html#search
import { RowFilter } from '../search/query/criterion.sql';
import { datePredicate } from '../search/query/predicates/date.predicate';
import { badParameter, splitUnescaped } from '../search/query/search-request';
import { SqlBuilder } from '../search/query/sql-builder';

/** The audit trail as the access filter sees rows: with the resource table's column names. */
const ROWS = `(SELECT 'AuditEvent'::text AS resource_type, seq, id, recorded, compartments, agents, entities, content FROM audit_event)`;
const ALIAS = 'a';

export interface AuditRow {
  seq: string;
  id: string;
  recorded: Date;
  compartments: string[];
  content: string;
}

const COLUMNS = `${ALIAS}.seq::text AS seq, ${ALIAS}.id, ${ALIAS}.recorded, ${ALIAS}.compartments, ${ALIAS}.content`;

/** The search parameters served, and the result parameters understood. */
export const AUDIT_SEARCH_PARAMETERS = ['patient', 'date', 'agent', 'entity', '_id'];
const RESULT_PARAMETERS = new Set(['_count', '_cursor', '_sort', '_format', '_pretty']);

export interface AuditSearch {
  /** Each inner list is one parameter occurrence: its values are ORed, the occurrences ANDed. */
  patient: string[][];
  agent: string[][];
  entity: string[][];
  ids: string[][];
  date: string[];
  ascending: boolean;
  /** Parameters not served here: ignored and reported. */
  unknown: string[];
}

const REFERENCE = /^([A-Z][A-Za-z]{0,63})\/([A-Za-z0-9\-.]{1,64})$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** `Type/id` from `Type/id`, `<base>/Type/id`, or for patient a bare id; identifiers (`system|value`) as written. */
function referenceKey(name: string, raw: string, base: string, defaultType?: string, identifier = false): string {
  if (identifier) {
    if (!raw.includes('|') || raw.length > 512) throw badParameter(name, `${name}:identifier takes system|value`, 'invalid-reference-parameter');
    return raw;
  }
  const local = raw.startsWith(`${base}/`) ? raw.slice(base.length + 1) : raw;
  if (REFERENCE.test(local)) return local;
  if (defaultType && ID.test(local)) return `${defaultType}/${local}`;
  throw badParameter(name, `${name} must be a reference such as ${defaultType ?? 'Practitioner'}/123`, 'invalid-reference-parameter');
}

function values(raw: string | string[]): string[] {
  return Array.isArray(raw) ? raw : [raw];
}

export function parseAuditSearch(query: Record<string, string | string[] | undefined>, base: string): AuditSearch {
  const search: AuditSearch = { patient: [], agent: [], entity: [], ids: [], date: [], ascending: false, unknown: [] };
  for (const [key, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const [name, modifier] = key.split(':', 2);
    if (RESULT_PARAMETERS.has(key)) {
      if (key === '_sort') {
        const sort = values(raw).join(',');
        if (sort !== 'date' && sort !== '-date') throw badParameter('_sort', 'AuditEvent searches sort by date or -date only', 'invalid-sort');
        search.ascending = sort === 'date';
      }
      continue;
    }
    const known = AUDIT_SEARCH_PARAMETERS.includes(name);
    const identifier = modifier === 'identifier' && (name === 'agent' || name === 'entity');
    if (!known || (modifier !== undefined && !identifier)) {
      search.unknown.push(key);
      continue;
    }
    for (const occurrence of values(raw)) {
      const parts = splitUnescaped(occurrence, ',');
      if (parts.length > 100) throw badParameter(key, `${key}: at most 100 values`);
      switch (name) {
        case 'patient': search.patient.push(parts.map((p) => referenceKey(key, p, base, 'Patient'))); break;
        case 'agent': search.agent.push(parts.map((p) => referenceKey(key, p, base, undefined, identifier))); break;
        case 'entity': search.entity.push(parts.map((p) => referenceKey(key, p, base, undefined, identifier))); break;
        case '_id': search.ids.push(parts.filter((p) => ID.test(p))); break;
        case 'date': search.date.push(occurrence); break;
      }
    }
  }
  return search;
}

function conditions(b: SqlBuilder, search: AuditSearch, filter: RowFilter | undefined): string[] {
  const where: string[] = [];
  for (const keys of search.patient) where.push(`${ALIAS}.compartments && ${b.bind(keys, 'text[]')}`);
  for (const keys of search.agent) where.push(`${ALIAS}.agents && ${b.bind(keys, 'text[]')}`);
  for (const keys of search.entity) where.push(`${ALIAS}.entities && ${b.bind(keys, 'text[]')}`);
  for (const ids of search.ids) where.push(`${ALIAS}.id = ANY(${b.bind(ids, 'text[]')})`);
  // recorded is an instant: its range is [recorded, recorded + 1 ms).
  for (const raw of search.date) {
    const ors = splitUnescaped(raw, ',').map((v) => datePredicate(b, `${ALIAS}.recorded`, `(${ALIAS}.recorded + interval '1 millisecond')`, 'date', v));
    where.push(ors.length === 1 ? ors[0] : `(${ors.join(' OR ')})`);
  }
  const access = filter?.(b, ALIAS, 'AuditEvent');
  if (access !== undefined) where.push(access);
  return where;
}

/** One page: `count + 1` rows are asked for, so the caller knows whether another page follows. */
export function auditPageStatement(search: AuditSearch, filter: RowFilter | undefined, count: number, after?: string): { sql: string; params: unknown[] } {
  const b = new SqlBuilder();
  const where = conditions(b, search, filter);
  if (after !== undefined) where.push(`${ALIAS}.seq ${search.ascending ? '>' : '<'} ${b.bind(after, 'bigint')}`);
  const sql = `SELECT ${COLUMNS} FROM ${ROWS} ${ALIAS}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ` +
    `ORDER BY ${ALIAS}.seq ${search.ascending ? 'ASC' : 'DESC'} LIMIT ${b.bind(count + 1, 'int')}`;
  return { sql, params: b.params };
}

/** One AuditEvent by id, through the filter (or without one: whether it exists at all). */
export function auditReadStatement(id: string, filter: RowFilter | undefined): { sql: string; params: unknown[] } {
  const b = new SqlBuilder();
  const where = [`${ALIAS}.id = ${b.bind(id)}`];
  const access = filter?.(b, ALIAS, 'AuditEvent');
  if (access !== undefined) where.push(access);
  return { sql: `SELECT ${COLUMNS} FROM ${ROWS} ${ALIAS} WHERE ${where.join(' AND ')}`, params: b.params };
}
