// Reads version history newest first with keyset paging on the history sequence, each version judged by the
// caller's access filter on that version's own compartments. https://hl7.org/fhir/R4/http.html#history
import { Injectable } from '@nestjs/common';
import { AccessScope } from '../access/access-scope';
import { typesCondition } from '../access/types-filter.sql';
import { SqlBuilder } from '../search/query/sql-builder';
import { Permission } from '../smart/smart-scopes';
import { DatabaseSession } from './database-session';
import { StoredVersion } from './stored-resource';
import { toStored, VersionRow } from './version-row';

export interface HistoryQuery {
  types: string[];
  id?: string;
  since?: Date;
  /** Only versions older than this history position (the cursor of the previous page). */
  before?: string;
  count: number;
}

const COLUMNS = 'h.seq::text AS position, h.resource_type, h.id, h.version_id, h.last_updated, h.deleted, h.content, h.method, h.compartments';

@Injectable()
export class HistoryRepository {
  constructor(private readonly db: DatabaseSession) {}

  /** The conditions of a history query: scope, _since, and what the caller may see (instance: r; else s). */
  private where(b: SqlBuilder, q: Omit<HistoryQuery, 'before' | 'count'>): string {
    const conditions = [`h.resource_type = ANY(${b.bind(q.types, 'text[]')})`];
    if (q.id !== undefined) conditions.push(`h.id = ${b.bind(q.id)}`);
    if (q.since !== undefined) conditions.push(`h.last_updated >= ${b.bind(q.since, 'timestamptz')}`);
    const permission: Permission = q.id !== undefined ? 'r' : 's';
    const access = typesCondition(b, 'h', q.types, AccessScope.current().anyTypeFilter(permission));
    if (access) conditions.push(access);
    return conditions.join(' AND ');
  }

  /** One page of versions, and whether another page follows. */
  async page(q: HistoryQuery): Promise<{ versions: StoredVersion[]; hasMore: boolean }> {
    const b = new SqlBuilder();
    const where = this.where(b, q);
    const before = q.before !== undefined ? ` AND h.seq < ${b.bind(q.before, 'bigint')}` : '';
    const rows = await this.db.query<VersionRow>(
      `SELECT ${COLUMNS} FROM resource_history h WHERE ${where}${before} ORDER BY h.seq DESC LIMIT ${b.bind(q.count + 1, 'int')}`, b.params);
    const page = rows.slice(0, q.count);
    const access = AccessScope.current();
    for (const row of page) access.touch(row.compartments);
    return { versions: page.map(toStored), hasMore: rows.length > q.count };
  }

  async count(q: Omit<HistoryQuery, 'before' | 'count'>): Promise<number> {
    const b = new SqlBuilder();
    const rows = await this.db.query<{ total: number }>(`SELECT count(*)::int AS total FROM resource_history h WHERE ${this.where(b, q)}`, b.params);
    return rows[0].total;
  }
}
