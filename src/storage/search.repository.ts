// The SQL of type-level search. For now: every current resource of a type, optionally narrowed by _id,
// in id order with keyset paging; per-parameter predicates on the index tables join here.
import { Injectable } from '@nestjs/common';
import { DatabaseSession } from './database-session';
import { StoredVersion } from './stored-resource';
import { toStored, VersionRow } from './version-row';

export interface TypeSearch {
  type: string;
  ids?: string[];
  after?: string;
  count: number;
}

const WHERE = 'resource_type = $1 AND NOT deleted AND ($2::text[] IS NULL OR id = ANY($2))';
const SELECT_PAGE =
  'SELECT resource_type, id, version_id, last_updated, deleted, content FROM resource WHERE ' + WHERE +
  ' AND ($3::text IS NULL OR id > $3) ORDER BY id LIMIT $4';
const COUNT = 'SELECT count(*)::int AS total FROM resource WHERE ' + WHERE;

@Injectable()
export class SearchRepository {
  constructor(private readonly db: DatabaseSession) {}

  async page(s: TypeSearch): Promise<{ matches: StoredVersion[]; hasMore: boolean }> {
    if (s.count === 0) return { matches: [], hasMore: false };
    const rows = (await this.db.query(SELECT_PAGE, [s.type, s.ids ?? null, s.after ?? null, s.count + 1])) as VersionRow[];
    const matches = rows.slice(0, s.count).map(toStored);
    return { matches, hasMore: rows.length > s.count };
  }

  async count(s: Omit<TypeSearch, 'after' | 'count'>): Promise<number> {
    const rows = (await this.db.query(COUNT, [s.type, s.ids ?? null])) as { total: number }[];
    return rows[0].total;
  }
}
