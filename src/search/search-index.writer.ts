// Writes a resource's search-index rows in the caller's transaction, replacing those of its previous version.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FhirResource } from '../storage/stored-resource';
import { IndexRows, SearchIndexer } from './search.indexer';

// One fixed statement per index table: values arrive as parallel arrays and are bound, never inlined.
const INSERTS: { [K in keyof IndexRows]: { sql: string; columns: (keyof IndexRows[K][number])[] } } = {
  string: {
    sql: 'INSERT INTO search_string (resource_type, resource_id, param, value, normalized) SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[])',
    columns: ['param', 'value', 'normalized'],
  },
  token: {
    sql: 'INSERT INTO search_token (resource_type, resource_id, param, system, code, display) SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[])',
    columns: ['param', 'system', 'code', 'display'],
  },
  date: {
    sql: 'INSERT INTO search_date (resource_type, resource_id, param, low, high) SELECT $1, $2, * FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[])',
    columns: ['param', 'low', 'high'],
  },
  number: {
    sql: 'INSERT INTO search_number (resource_type, resource_id, param, value) SELECT $1, $2, * FROM unnest($3::text[], $4::numeric[])',
    columns: ['param', 'value'],
  },
  quantity: {
    sql: 'INSERT INTO search_quantity (resource_type, resource_id, param, value, system, code, unit) SELECT $1, $2, * FROM unnest($3::text[], $4::numeric[], $5::text[], $6::text[], $7::text[])',
    columns: ['param', 'value', 'system', 'code', 'unit'],
  },
  reference: {
    sql: 'INSERT INTO search_reference (resource_type, resource_id, param, target_type, target_id, url) SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[])',
    columns: ['param', 'targetType', 'targetId', 'url'],
  },
  uri: {
    sql: 'INSERT INTO search_uri (resource_type, resource_id, param, value) SELECT $1, $2, * FROM unnest($3::text[], $4::text[])',
    columns: ['param', 'value'],
  },
};

const DELETE_ALL = `
  WITH s AS (DELETE FROM search_string WHERE resource_type = $1 AND resource_id = $2),
       t AS (DELETE FROM search_token WHERE resource_type = $1 AND resource_id = $2),
       d AS (DELETE FROM search_date WHERE resource_type = $1 AND resource_id = $2),
       n AS (DELETE FROM search_number WHERE resource_type = $1 AND resource_id = $2),
       q AS (DELETE FROM search_quantity WHERE resource_type = $1 AND resource_id = $2),
       r AS (DELETE FROM search_reference WHERE resource_type = $1 AND resource_id = $2)
  DELETE FROM search_uri WHERE resource_type = $1 AND resource_id = $2`;

@Injectable()
export class SearchIndexWriter {
  constructor(private readonly indexer: SearchIndexer) {}

  /** Replaces the index rows of (type, id); a deleted resource (null) keeps none. */
  async write(em: EntityManager, type: string, id: string, resource: FhirResource | null, isNew: boolean): Promise<void> {
    if (!isNew) await em.query(DELETE_ALL, [type, id]);
    if (!resource) return;
    const rows = this.indexer.extract(resource);
    for (const table of Object.keys(INSERTS) as (keyof IndexRows)[]) {
      const list = rows[table] as Record<string, unknown>[];
      if (list.length === 0) continue;
      const { sql, columns } = INSERTS[table];
      await em.query(sql, [type, id, ...columns.map((c) => list.map((row) => row[c as string] ?? null))]);
    }
  }
}
