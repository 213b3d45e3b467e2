// The search criteria of a conditional create (If-None-Exist), update or delete, and the match behind them:
// under a transaction-scoped advisory lock on the criteria, so "match, then write" cannot race another
// request with the same criteria. https://hl7.org/fhir/R4/http.html#ccreate
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { FhirError } from '../outcome/operation-outcome';
import { SearchEngine } from '../search/search.engine';
import { DatabaseSession } from '../storage/database-session';
import { Query } from './paging';

// Parameters that shape an answer's format, never which resources match.
const FORMAT_PARAMETERS = new Set(['_format', '_pretty']);
const MAX_CRITERIA = 50;
const ADVISORY_LOCK = 'SELECT pg_advisory_xact_lock($1::bigint)';

/** Criteria from a query string such as `identifier=http://x|1&active=true` (a leading `?` is tolerated). */
export function parseCriteria(text: string, where: string): Query {
  const query: Query = {};
  for (const [name, value] of new URLSearchParams(text.trim().replace(/^\?/, ''))) add(query, name, value);
  return requireCriteria(query, where);
}

/** Criteria from an already parsed query (the URL of PUT/DELETE [type]?criteria). */
export function criteriaFromQuery(source: Query, where: string): Query {
  const query: Query = {};
  for (const [name, raw] of Object.entries(source)) {
    for (const value of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) add(query, name, value);
  }
  return requireCriteria(query, where);
}

function add(query: Query, name: string, value: string): void {
  if (FORMAT_PARAMETERS.has(name)) return;
  const had = query[name];
  query[name] = had === undefined ? value : ([] as string[]).concat(had, value);
}

function requireCriteria(query: Query, where: string): Query {
  const count = Object.values(query).reduce((n, v) => n + (Array.isArray(v) ? v.length : 1), 0);
  if (count === 0) {
    throw FhirError.of(400, 'invalid', 'condition-empty', `${where} needs search criteria: an empty condition would match every resource`);
  }
  if (count > MAX_CRITERIA) {
    throw FhirError.of(400, 'too-costly', 'too-many-parameters', `${where} may carry at most ${MAX_CRITERIA} search parameters`);
  }
  return query;
}

/** The criteria in one canonical order (names, then values), so equal criteria written differently agree. */
export function canonicalCriteria(query: Query): string {
  const pairs: [string, string][] = [];
  for (const [name, raw] of Object.entries(query)) {
    for (const value of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) pairs.push([name, value]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return new URLSearchParams(pairs).toString();
}

/** A signed 64-bit key (as decimal text) for pg_advisory_xact_lock, from the type and the canonical criteria. */
export function criteriaLockKey(type: string, query: Query): string {
  const digest = createHash('sha256').update(`${type}?${canonicalCriteria(query)}`).digest();
  return digest.readBigInt64BE(0).toString();
}

@Injectable()
export class ConditionalMatcher {
  constructor(
    private readonly db: DatabaseSession,
    private readonly engine: SearchEngine,
  ) {}

  /**
   * Takes the criteria's advisory lock, then matches: under READ COMMITTED the match statement runs after the
   * lock is granted and so sees whatever an earlier holder committed. Must run inside a transaction, which
   * keeps the lock until it ends.
   */
  async lockAndMatch(type: string, criteria: Query, limit = 2): Promise<string[]> {
    if (!this.db.inTransaction) throw new Error('lockAndMatch must run inside a transaction');
    await this.db.query(ADVISORY_LOCK, [criteriaLockKey(type, criteria)]);
    return this.engine.matchIds(type, criteria, limit);
  }

  /** Matches without a lock (conditional references and deletes, which write nothing for the criteria). */
  match(type: string, criteria: Query, limit = 2): Promise<string[]> {
    return this.engine.matchIds(type, criteria, limit);
  }
}

/** The 412 for criteria that match more than one resource. */
export function tooManyMatches(type: string, query: Query, where: string): FhirError {
  return FhirError.of(412, 'multiple-matches', 'condition-multiple-matches',
    `${where} ${type}?${canonicalCriteria(query)} matches more than one resource; make the criteria more selective`);
}
