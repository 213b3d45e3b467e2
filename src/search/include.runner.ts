// Adds the resources that _include and _revinclude ask for to a page of matches; :iterate specs are applied
// again to what was included, a bounded number of times. https://hl7.org/fhir/R4/search.html#include
import { Injectable } from '@nestjs/common';
import { SearchRepository } from '../storage/search.repository';
import { StoredVersion } from '../storage/stored-resource';
import { IncludeSpec, SearchRequest } from './query/search-request';

/** Included resources per page, at most. */
export const MAX_INCLUDED = 1000;
/** Rounds of :iterate after the first. */
export const MAX_ITERATIONS = 3;

const key = (v: { resourceType: string; id: string }) => `${v.resourceType}/${v.id}`;

@Injectable()
export class IncludeRunner {
  constructor(private readonly search: SearchRepository) {}

  async run(request: SearchRequest, matches: StoredVersion[]): Promise<{ resources: StoredVersion[]; truncated: boolean }> {
    if (request.include.length === 0 || matches.length === 0) return { resources: [], truncated: false };
    const seen = new Set(matches.map(key));
    const included: StoredVersion[] = [];
    let frontier = matches;
    for (let round = 0; round <= MAX_ITERATIONS && frontier.length > 0; round++) {
      const specs = request.include.filter((s) => round === 0 || s.iterate);
      const found: StoredVersion[] = [];
      for (const spec of specs) {
        for (const v of await this.follow(spec, frontier, MAX_INCLUDED - included.length - found.length + 1)) {
          if (seen.has(key(v))) continue;
          seen.add(key(v));
          found.push(v);
        }
        if (included.length + found.length > MAX_INCLUDED) {
          return { resources: [...included, ...found].slice(0, MAX_INCLUDED), truncated: true };
        }
      }
      included.push(...found);
      frontier = found;
    }
    return { resources: included, truncated: false };
  }

  /** One spec applied to the resources of `from` it concerns, grouped by type. */
  private async follow(spec: IncludeSpec, from: StoredVersion[], limit: number): Promise<StoredVersion[]> {
    const byType = new Map<string, string[]>();
    for (const v of from) {
      const relevant = spec.reverse
        ? spec.params.some((p) => p.targets.includes(v.resourceType)) && (!spec.targetType || spec.targetType === v.resourceType)
        : v.resourceType === spec.source;
      if (relevant) byType.set(v.resourceType, [...(byType.get(v.resourceType) ?? []), v.id]);
    }
    const out: StoredVersion[] = [];
    for (const [fromType, fromIds] of byType) {
      out.push(...await this.search.include({
        fromType, fromIds, source: spec.source, params: spec.params.map((p) => p.code), targetType: spec.targetType, reverse: spec.reverse, limit,
        targetTypes: [...new Set(spec.params.flatMap((p) => p.targets))],
      }));
    }
    return out;
  }
}
