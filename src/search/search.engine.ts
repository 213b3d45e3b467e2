// The search engine's entry points for other interactions: conditional create/update/delete, conditional
// references in transactions. https://hl7.org/fhir/R4/search.html
import { Injectable } from '@nestjs/common';
import { FhirError } from '../outcome/operation-outcome';
import { Query } from '../interactions/paging';
import { SearchRepository } from '../storage/search.repository';

@Injectable()
export class SearchEngine {
  constructor(private readonly search: SearchRepository) {}

  /**
   * Ids of the current resources of `type` that match the search parameters of `query`, at most `limit`.
   * Every parameter must be known (an unknown one is a 400 rather than a criterion silently dropped);
   * runs inside the ambient transaction, so it sees that transaction's own writes.
   */
  async matchIds(type: string, query: Query, limit: number): Promise<string[]> {
    const names = Object.keys(query);
    if (names.some((n) => n !== '_id')) {
      throw FhirError.of(400, 'not-supported', 'unknown-search-parameter', `Search parameter ${names.join(', ')} is not supported`);
    }
    const raw = query._id;
    const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((v) => v.split(','));
    const page = await this.search.page({ type, ids, count: limit });
    return page.matches.map((m) => m.id);
  }
}
