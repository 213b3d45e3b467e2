// search-type: GET [base]/[type]?params and POST [base]/[type]/_search. https://hl7.org/fhir/R4/search.html
// Parses and checks the parameters, runs one page with keyset paging, adds _include/_revinclude, counts as
// _total asks, subsets as _summary/_elements ask, and reports ignored parameters in an outcome entry.
import { Inject, Injectable } from '@nestjs/common';
import { AccessScope } from '../access/access-scope';
import { FhirPrincipal } from '../auth/fhir-principal';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { bundleText, BundleLink, outcomeEntry, searchEntry } from '../outcome/bundle.builder';
import { FhirResult } from '../outcome/fhir-result';
import { FhirError, issue, outcome, OperationOutcomeIssue } from '../outcome/operation-outcome';
import { IncludeRunner } from '../search/include.runner';
import { CursorState, PageCursors } from '../search/page-cursor';
import { SearchRequest } from '../search/query/search-request';
import { PageQuery } from '../search/query/search.sql';
import { ResultShaper } from '../search/result-shaping';
import { SearchEngine } from '../search/search.engine';
import { SearchRepository } from '../storage/search.repository';
import { FhirResource, StoredVersion } from '../storage/stored-resource';
import { pageSize, pageUrl, Query, single, withinBudget } from './paging';
import { Headers, strictHandling } from './request-headers';

/** Without _total, matches are counted up to this many; past it the total is left out rather than slow. */
export const DEFAULT_TOTAL_LIMIT = 10_000;

@Injectable()
export class SearchTypeInteraction {
  constructor(
    private readonly engine: SearchEngine,
    private readonly search: SearchRepository,
    private readonly cursors: PageCursors,
    private readonly includes: IncludeRunner,
    private readonly shaper: ResultShaper,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(type: string, query: Query, headers: Headers, principal?: FhirPrincipal | null): Promise<FhirResult> {
    const request = this.engine.parse(type, query);
    if (request.unknown.length > 0 && strictHandling(headers)) {
      throw new FhirError(400, request.unknown.map((p) =>
        issue('error', 'not-supported', 'unknown-search-parameter', `Search parameter ${p} is not supported for ${type}`, [p])));
    }
    const count = pageSize(query, this.config.defaultPageSize, this.config.maxPageSize);
    const binding = this.binding(request, principal);
    const rawCursor = single(query, '_cursor');
    const cursor = rawCursor === undefined ? undefined : await this.cursors.decode(rawCursor, binding);
    const base: Omit<PageQuery, 'count'> = { request, fhirBaseUrl: this.config.fhirBaseUrl };

    const linkParams = this.linkParams(query, request);
    const path = `${this.config.fhirBaseUrl}/${type}`;
    const notes = request.unknown.map((p) =>
      issue('warning', 'not-supported', 'unknown-search-parameter', `Search parameter ${p} is not supported for ${type} and was ignored`, [p]));

    if (request.summary === 'count') {
      const total = await this.search.count(base, Number.MAX_SAFE_INTEGER - 1);
      const link: BundleLink[] = [{ relation: 'self', url: pageUrl(path, linkParams) }];
      return { status: 200, raw: bundleText('searchset', link, notes.length ? [outcomeEntry(outcome(notes))] : [], total) };
    }

    const page = await this.search.page({ ...base, count, after: cursor?.position, backwards: cursor?.backwards });
    const matches = withinBudget(page.matches);
    const positions = page.positions.slice(0, matches.length);
    const cut = matches.length < page.matches.length;
    const link = await this.links(path, linkParams, rawCursor, binding, cursor, positions, page.hasMore || cut);

    const included = await this.includes.run(request, matches);
    if (included.truncated) {
      notes.push(issue('warning', 'too-costly', 'include-limit', `Only the first ${included.resources.length} included resources are returned`));
    }
    const total = await this.total(request, base, cursor === undefined && !page.hasMore && !cut ? matches.length : undefined, cursor === undefined);
    const entries = [
      ...matches.map((m) => searchEntry(this.config.fhirBaseUrl, m, 'match', this.shaped(m, request))),
      ...included.resources.map((r) => searchEntry(this.config.fhirBaseUrl, r, 'include')),
    ];
    if (notes.length > 0) entries.push(outcomeEntry(outcome(notes)));
    return { status: 200, raw: bundleText('searchset', link, entries, total) };
  }

  private shaped(m: StoredVersion, request: SearchRequest): string | null {
    if (!m.content || !this.shaper.applies(request.summary, request.elements)) return m.content;
    return JSON.stringify(this.shaper.shape(JSON.parse(m.content) as FhirResource, request.summary, request.elements));
  }

  /**
   * Bundle.total as _total asks. By default: on the first page, an exact count when it stays under
   * DEFAULT_TOTAL_LIMIT; later pages leave it out (the client has it), so paging costs one query per page.
   */
  private async total(request: SearchRequest, base: Omit<PageQuery, 'count'>, known: number | undefined, firstPage: boolean): Promise<number | undefined> {
    if (request.total === 'none') return undefined;
    if (known !== undefined) return known; // the first page holds every match
    if (request.total === undefined && !firstPage) return undefined;
    // The planner's estimate reflects the whole table; a caller who sees part of it gets a count of that part.
    // (also when a chain or _has reaches filtered rows of other types)
    const unfiltered = AccessScope.current().rowFilter(request.type, 's') === undefined && request.criteria.every((c) => c.kind === 'param');
    if (request.total === 'estimate' && unfiltered) return this.search.estimate(base);
    if (request.total === 'estimate') {
      const counted = await this.search.count(base, DEFAULT_TOTAL_LIMIT);
      return counted > DEFAULT_TOTAL_LIMIT ? undefined : counted;
    }
    if (request.total === 'accurate') return this.search.count(base, Number.MAX_SAFE_INTEGER - 1);
    const counted = await this.search.count(base, DEFAULT_TOTAL_LIMIT);
    return counted > DEFAULT_TOTAL_LIMIT ? undefined : counted;
  }

  /** What a cursor is bound to: who searched, and every parameter that decides which rows come in what order. */
  private binding(request: SearchRequest, principal?: FhirPrincipal | null): string {
    return JSON.stringify([principal?.subject ?? null, principal?.clientId ?? null, principal?.patient ?? null, request.type, request.canonical,
      request.sort.map((s) => `${s.descending ? '-' : ''}${s.code}`)]);
  }

  /** The parameters links repeat: every parameter used, in the order given, without the cursor or ignored ones. */
  private linkParams(query: Query, request: SearchRequest): [string, string][] {
    const out: [string, string][] = [];
    for (const [name, raw] of Object.entries(query)) {
      if (raw === undefined || name === '_cursor' || request.unknown.includes(name)) continue;
      for (const v of Array.isArray(raw) ? raw : [raw]) out.push([name, v]);
    }
    return out;
  }

  private async links(
    path: string,
    params: [string, string][],
    rawCursor: string | undefined,
    binding: string,
    cursor: CursorState | undefined,
    positions: { id: string; values: (string | null)[] }[],
    hasMore: boolean,
  ): Promise<BundleLink[]> {
    const at = (c?: string) => pageUrl(path, c === undefined ? params : [...params, ['_cursor', c]]);
    const links: BundleLink[] = [{ relation: 'self', url: at(rawCursor) }, { relation: 'first', url: at() }];
    const backwards = cursor?.backwards === true;
    const first = positions[0];
    const last = positions[positions.length - 1];
    // Going forward, more rows ahead means a next page; going back, we came from one.
    if (last && (backwards || hasMore)) {
      links.push({ relation: 'next', url: at(await this.cursors.encode({ position: last, backwards: false }, binding)) });
    }
    // A page reached through a cursor has rows before it, unless paging back found none left.
    if (first && cursor !== undefined && (!backwards || hasMore)) {
      links.push({ relation: 'previous', url: at(await this.cursors.encode({ position: first, backwards: true }, binding)) });
    }
    return links;
  }
}
