// The search engine's entry points: parsing a search for the search interaction, and matching criteria for
// conditional create/update/delete and conditional references in transactions. https://hl7.org/fhir/R4/search.html
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { ConformanceRegistry } from '../conformance/conformance.registry';
import { FhirError, issue } from '../outcome/operation-outcome';
import { SearchRepository } from '../storage/search.repository';
import { Query, SearchRequest, SearchRequestParser } from './query/search-request';
import { SearchParameterRegistry } from './search-parameter.registry';

@Injectable()
export class SearchEngine {
  private readonly parser: SearchRequestParser;

  constructor(
    registry: SearchParameterRegistry,
    conformance: ConformanceRegistry,
    private readonly search: SearchRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.parser = new SearchRequestParser(registry, (t) => conformance.isEnabled(t));
  }

  /** The checked search; throws a 400 naming the parameter for a malformed one. */
  parse(type: string, query: Query): SearchRequest {
    return this.parser.parse(type, query);
  }

  /**
   * Ids of the current resources of `type` that match the search parameters of `query`, at most `limit`.
   * Every parameter must be known (an unknown one is a 400 rather than a criterion silently dropped);
   * runs inside the ambient transaction, so it sees that transaction's own writes.
   */
  async matchIds(type: string, query: Query, limit: number): Promise<string[]> {
    const request = this.parser.parse(type, query);
    if (request.unknown.length > 0) {
      throw new FhirError(400, request.unknown.map((p) =>
        issue('error', 'not-supported', 'unknown-search-parameter', `Search parameter ${p} is not supported for ${type}`, [p])));
    }
    const page = await this.search.page({ request: { ...request, sort: [], include: [] }, count: limit, fhirBaseUrl: this.config.fhirBaseUrl });
    return page.matches.map((m) => m.id);
  }
}
