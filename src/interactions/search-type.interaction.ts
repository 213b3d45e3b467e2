// search-type: GET [base]/[type]?params and POST [base]/[type]/_search. https://hl7.org/fhir/R4/search.html
// Supports _id and the result parameters _count and _total; other parameters are reported, or refused
// under Prefer: handling=strict.
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { bundleText, outcomeEntry, searchEntry } from '../outcome/bundle.builder';
import { FhirResult } from '../outcome/fhir-result';
import { FhirError, issue, outcome } from '../outcome/operation-outcome';
import { SearchRepository } from '../storage/search.repository';
import { decodeCursor, pageLinks, pageSize, Query, single, withinBudget } from './paging';
import { Headers, strictHandling } from './request-headers';
import { ID_PATTERN } from './interaction-errors';

// Parameters that shape the answer rather than select resources; https://hl7.org/fhir/R4/search.html#return
const RESULT_PARAMETERS = new Set(['_count', '_total', '_format', '_pretty', '_cursor']);
const SEARCH_PARAMETERS = new Set(['_id']);
const MAX_IDS = 1000;

function values(query: Query, name: string): string[] {
  const raw = query[name];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

@Injectable()
export class SearchTypeInteraction {
  constructor(
    private readonly search: SearchRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(type: string, query: Query, headers: Headers): Promise<FhirResult> {
    const unknown = Object.keys(query).filter((p) => !RESULT_PARAMETERS.has(p) && !SEARCH_PARAMETERS.has(p));
    if (unknown.length > 0 && strictHandling(headers)) {
      throw new FhirError(400, unknown.map((p) =>
        issue('error', 'not-supported', 'unknown-search-parameter', `Search parameter ${p} is not supported for ${type}`, [p])));
    }
    const count = pageSize(query, this.config.defaultPageSize, this.config.maxPageSize);
    const ids = this.ids(query);
    const after = decodeCursor(query, 's');
    const page = await this.search.page({ type, ids, after, count });
    const matches = withinBudget(page.matches);
    const hasMore = page.hasMore || matches.length < page.matches.length;

    const path = `${this.config.fhirBaseUrl}/${type}`;
    const params: Record<string, string | undefined> = { _id: ids?.join(','), _count: String(count), _total: single(query, '_total') };
    const link = pageLinks(path, params, 's', after, hasMore ? matches[matches.length - 1].id : undefined);
    const entries = matches.map((m) => searchEntry(this.config.fhirBaseUrl, m));
    if (unknown.length > 0) {
      entries.push(outcomeEntry(outcome(unknown.map((p) =>
        issue('warning', 'not-supported', 'unknown-search-parameter', `Search parameter ${p} is not supported for ${type} and was ignored`, [p])))));
    }
    const total = single(query, '_total') === 'none' ? undefined : await this.search.count({ type, ids });
    return { status: 200, raw: bundleText('searchset', link, entries, total) };
  }

  private ids(query: Query): string[] | undefined {
    const lists = values(query, '_id').map((v) => new Set(v.split(',').map((s) => s.trim()).filter((s) => s !== '')));
    if (lists.length === 0) return undefined;
    // A repeated _id is an AND: only ids present in every list can match.
    const ids = [...lists[0]].filter((id) => ID_PATTERN.test(id) && lists.every((list) => list.has(id)));
    if (ids.length > MAX_IDS) {
      throw FhirError.of(400, 'too-costly', 'too-many-values', `_id may list at most ${MAX_IDS} ids`, ['_id']);
    }
    return ids;
  }
}
