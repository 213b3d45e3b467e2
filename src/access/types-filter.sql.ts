// The access condition for rows of several types at once (system history, forward includes): the types whose
// rows are all visible in one list, then one condition per group of types that share the same condition.
import { RowFilter } from '../search/query/criterion.sql';
import { SqlBuilder } from '../search/query/sql-builder';

/**
 * SQL that keeps, among rows of `types`, those the filter lets through; 'FALSE' when none can be, undefined
 * when `filter` is undefined (no access filter at all).
 */
export function typesCondition(b: SqlBuilder, alias: string, types: readonly string[], filter: RowFilter | undefined): string | undefined {
  if (!filter) return undefined;
  const open: string[] = [];
  const groups = new Map<string, string[]>();
  for (const type of types) {
    const probe = new SqlBuilder();
    const sql = filter(probe, alias, type);
    if (sql === undefined || sql === 'TRUE') open.push(type);
    else if (sql !== 'FALSE') {
      const key = JSON.stringify([sql, probe.params]);
      groups.set(key, [...(groups.get(key) ?? []), type]);
    }
  }
  const parts: string[] = [];
  if (open.length > 0) parts.push(`${alias}.resource_type = ANY(${b.bind(open, 'text[]')})`);
  for (const groupTypes of groups.values()) {
    parts.push(`(${alias}.resource_type = ANY(${b.bind(groupTypes, 'text[]')}) AND ${filter(b, alias, groupTypes[0])})`);
  }
  return parts.length === 0 ? 'FALSE' : `(${parts.join(' OR ')})`;
}
