// Reads version history newest first with keyset paging on the history sequence. https://hl7.org/fhir/R4/http.html#history
import { Injectable } from '@nestjs/common';
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

const COLUMNS = 'seq::text AS position, resource_type, id, version_id, last_updated, deleted, content, method';
// The three scopes share one statement shape; NULL parameters switch their filters off.
const FILTERS =
  'resource_type = ANY($1::text[]) AND ($2::text IS NULL OR id = $2) AND ' +
  '($3::timestamptz IS NULL OR last_updated >= $3)';
const SELECT_PAGE = 'SELECT ' + COLUMNS + ' FROM resource_history WHERE ' + FILTERS +
  ' AND ($4::bigint IS NULL OR seq < $4) ORDER BY seq DESC LIMIT $5';
const COUNT = 'SELECT count(*)::int AS total FROM resource_history WHERE ' + FILTERS;

@Injectable()
export class HistoryRepository {
  constructor(private readonly db: DatabaseSession) {}

  /** One page of versions, and whether another page follows. */
  async page(q: HistoryQuery): Promise<{ versions: StoredVersion[]; hasMore: boolean }> {
    const rows = (await this.db.query(SELECT_PAGE, [
      q.types, q.id ?? null, q.since ?? null, q.before ?? null, q.count + 1,
    ])) as VersionRow[];
    const versions = rows.slice(0, q.count).map(toStored);
    return { versions, hasMore: rows.length > q.count };
  }

  async count(q: Omit<HistoryQuery, 'before' | 'count'>): Promise<number> {
    const rows = (await this.db.query(COUNT, [q.types, q.id ?? null, q.since ?? null])) as {
      total: number;
    }[];
    return rows[0].total;
  }
}
