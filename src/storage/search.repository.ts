// Runs the statements the search engine builds: a page of matches with their keyset positions, counts,
// estimates and included resources. https://hl7.org/fhir/R4/search.html
import { Injectable } from '@nestjs/common';
import { includeStatement, IncludeStep } from '../search/query/include.sql';
import { countStatement, estimateStatement, KeysetPosition, PageQuery, pageStatement } from '../search/query/search.sql';
import { AccessScope } from '../access/access-scope';
import { DatabaseSession } from './database-session';
import { StoredVersion } from './stored-resource';
import { toStored, VersionRow } from './version-row';

type PageRow = VersionRow & Record<string, unknown>;

/** A sort value as cursor text: instants as ISO strings, infinities by name. */
function keyText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (value === Infinity) return 'infinity';
  if (value === -Infinity) return '-infinity';
  return String(value);
}

@Injectable()
export class SearchRepository {
  constructor(private readonly db: DatabaseSession) {}

  /**
   * The caller's access filter, for the searched rows and every row a chain or _has reaches (search permission),
   * always taken from the ambient access context, never from the caller of this method.
   */
  private filtered<T extends Omit<PageQuery, 'count'>>(q: T): T {
    return { ...q, rowFilter: AccessScope.current().anyTypeFilter('s') };
  }

  /** One page in the search's order, the position of each row, and whether more rows follow in that direction. */
  async page(q: PageQuery): Promise<{ matches: StoredVersion[]; positions: KeysetPosition[]; hasMore: boolean }> {
    if (q.count === 0) return { matches: [], positions: [], hasMore: false };
    const { sql, params, sortCount } = pageStatement(this.filtered(q));
    const rows = await this.db.query<PageRow>(sql, params);
    const hasMore = rows.length > q.count;
    const page = rows.slice(0, q.count);
    if (q.backwards) page.reverse();
    const positions = page.map((row) => ({ id: row.id, values: Array.from({ length: sortCount }, (_, i) => keyText(row[`k${i}`])) }));
    const access = AccessScope.current();
    for (const row of page) access.touch(row.compartments);
    return { matches: page.map(toStored), positions, hasMore };
  }

  async count(q: Omit<PageQuery, 'count'>, cap: number): Promise<number> {
    const { sql, params } = countStatement(this.filtered(q), cap);
    return (await this.db.query<{ total: number }>(sql, params))[0].total;
  }

  async estimate(q: Omit<PageQuery, 'count'>): Promise<number> {
    const { sql, params } = estimateStatement(this.filtered(q));
    const rows = await this.db.query<{ 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] }>(sql, params);
    return Math.round(rows[0]['QUERY PLAN'][0].Plan['Plan Rows']);
  }

  async include(step: IncludeStep): Promise<StoredVersion[]> {
    if (step.fromIds.length === 0 || step.params.length === 0) return [];
    const access = AccessScope.current();
    const { sql, params } = includeStatement({ ...step, rowFilter: access.anyTypeFilter('r') });
    const rows = await this.db.query<VersionRow>(sql, params);
    for (const row of rows) access.touch(row.compartments);
    return rows.map(toStored);
  }
}
