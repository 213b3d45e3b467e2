// The statement parts that replace a resource's search-index rows. They are written as data-modifying CTEs so
// that a version (current row, history row, index rows) is stored in one round trip; every value is bound.
import { Injectable } from '@nestjs/common';
import { FhirResource } from '../storage/stored-resource';
import { Queryable } from '../storage/database-session';
import { emptyIndexRows, IndexRows } from './index-rows';
import { SearchIndexer } from './search.indexer';

type Table = keyof IndexRows;

// One fixed insert per table: the values arrive as parallel arrays ($n placeholders filled in below).
const INSERTS: { [K in Table]: { table: string; columns: string; casts: string[]; fields: (keyof IndexRows[K][number])[] } } = {
  string: { table: 'search_string', columns: 'param, value, normalized, grp', casts: ['text', 'text', 'text', 'int'], fields: ['param', 'value', 'normalized', 'grp'] },
  token: {
    table: 'search_token',
    columns: 'param, system, code, text, type_system, type_code, grp',
    casts: ['text', 'text', 'text', 'text', 'text', 'text', 'int'],
    fields: ['param', 'system', 'code', 'text', 'typeSystem', 'typeCode', 'grp'],
  },
  date: { table: 'search_date', columns: 'param, low, high, grp', casts: ['text', 'timestamptz', 'timestamptz', 'int'], fields: ['param', 'low', 'high', 'grp'] },
  number: { table: 'search_number', columns: 'param, value, grp', casts: ['text', 'numeric', 'int'], fields: ['param', 'value', 'grp'] },
  quantity: {
    table: 'search_quantity',
    columns: 'param, value, system, code, unit, grp',
    casts: ['text', 'numeric', 'text', 'text', 'text', 'int'],
    fields: ['param', 'value', 'system', 'code', 'unit', 'grp'],
  },
  reference: {
    table: 'search_reference',
    columns: 'param, target_type, target_id, url, grp',
    casts: ['text', 'text', 'text', 'text', 'int'],
    fields: ['param', 'targetType', 'targetId', 'url', 'grp'],
  },
  uri: { table: 'search_uri', columns: 'param, value, grp', casts: ['text', 'text', 'int'], fields: ['param', 'value', 'grp'] },
};
const TABLES = Object.keys(INSERTS) as Table[];

/** CTEs over $1 (resource type) and $2 (id); array parameters are numbered from `first`. */
function indexCtes(first: number, replace: boolean): string[] {
  const ctes: string[] = [];
  if (replace) {
    for (const t of TABLES) ctes.push(`del_${t} AS (DELETE FROM ${INSERTS[t].table} WHERE resource_type = $1 AND resource_id = $2)`);
  }
  let n = first;
  for (const t of TABLES) {
    const { table, columns, casts } = INSERTS[t];
    const arrays = casts.map((c) => `$${n++}::${c}[]`).join(', ');
    ctes.push(`ins_${t} AS (INSERT INTO ${table} (resource_type, resource_id, ${columns}) SELECT $1, $2, * FROM unnest(${arrays}))`);
  }
  return ctes;
}

/** The bound values for indexCtes, in the same order. */
function indexParams(rows: IndexRows): unknown[] {
  const params: unknown[] = [];
  for (const t of TABLES) {
    const list = rows[t] as unknown as Record<string, unknown>[];
    for (const f of INSERTS[t].fields) params.push(list.map((row) => row[f as string] ?? null));
  }
  return params;
}

export const INDEX_PARAM_COUNT = TABLES.reduce((n, t) => n + INSERTS[t].fields.length, 0);

const REINDEX = 'WITH ' + indexCtes(3, true).join(',\n') + ' SELECT 1';
const CLEAR = 'WITH ' + indexCtes(3, true).slice(0, TABLES.length).join(',\n') + ' SELECT 1';

@Injectable()
export class SearchIndexWriter {
  constructor(private readonly indexer: SearchIndexer) {}

  /** CTEs to append to a version write; their parameters start at `first`. */
  ctes(first: number, replace: boolean): string[] {
    return indexCtes(first, replace);
  }

  /** The parameters for ctes(): the rows of `resource` (none for a deletion). */
  params(resource: FhirResource | null): unknown[] {
    return indexParams(this.rows(resource));
  }

  /** The index rows of `resource` (none for a deletion). */
  rows(resource: FhirResource | null): IndexRows {
    return resource ? this.indexer.extract(resource) : emptyIndexRows();
  }

  /** The parameters for ctes() from rows already extracted. */
  paramsOf(rows: IndexRows): unknown[] {
    return indexParams(rows);
  }

  /** Rebuilds the index rows of one stored resource from its content (after the definitions changed). */
  async reindex(db: Queryable, type: string, id: string, resource: FhirResource | null): Promise<void> {
    if (!resource) {
      await db.query(CLEAR, [type, id]);
      return;
    }
    await db.query(REINDEX, [type, id, ...this.params(resource)]);
  }
}
