// The statements of _include and _revinclude: the resources that a set of resources refers to through given
// reference parameters, or that refer to them. https://hl7.org/fhir/R4/search.html#include
import { typesCondition } from '../../access/types-filter.sql';
import { RowFilter } from './criterion.sql';
import { SqlBuilder } from './sql-builder';

const COLUMNS = 'r.resource_type, r.id, r.version_id, r.last_updated, r.deleted, r.content, r.compartments';

export interface IncludeStep {
  /** Forward: the type holding the references; reverse: the type the references point at. */
  fromType: string;
  fromIds: string[];
  /** The type whose reference parameters are followed (the referring type for a reverse include). */
  source: string;
  params: string[];
  targetType?: string;
  /** Forward: every type the followed references may point at (the access filter is decided per type). */
  targetTypes: string[];
  reverse: boolean;
  limit: number;
  rowFilter?: RowFilter;
}

export function includeStatement(step: IncludeStep): { sql: string; params: unknown[] } {
  const b = new SqlBuilder();
  const conditions: string[] = [];
  let join: string;
  if (!step.reverse) {
    join = 'r.resource_type = x.target_type AND r.id = x.target_id';
    conditions.push(`x.resource_type = ${b.bind(step.fromType)}`, `x.resource_id = ANY(${b.bind(step.fromIds, 'text[]')})`);
    if (step.targetType) conditions.push(`x.target_type = ${b.bind(step.targetType)}`);
  } else {
    join = 'r.resource_type = x.resource_type AND r.id = x.resource_id';
    conditions.push(`x.resource_type = ${b.bind(step.source)}`, `x.target_type = ${b.bind(step.fromType)}`,
      `x.target_id = ANY(${b.bind(step.fromIds, 'text[]')})`);
  }
  conditions.push(`x.param = ANY(${b.bind(step.params, 'text[]')})`, 'NOT r.deleted');
  const types = step.reverse ? [step.source] : step.targetType ? [step.targetType] : step.targetTypes;
  const access = typesCondition(b, 'r', types, step.rowFilter);
  if (access) conditions.push(access);
  const sql = `SELECT DISTINCT ${COLUMNS} FROM search_reference x JOIN resource r ON ${join} WHERE ${conditions.join(' AND ')} ` +
    `ORDER BY r.resource_type, r.id LIMIT ${b.bind(step.limit, 'int')}`;
  return { sql, params: b.params };
}
