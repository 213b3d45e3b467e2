// Builds the AccessContext of a caller from its principal, with the definitions the decisions rest on: the
// types of the Patient compartment, v2 scope restrictions parsed as searches of their type, and the configured
// rule for practitioners. https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#finer-grained-resource-constraints-using-search-parameters
import { Inject, Injectable } from '@nestjs/common';
import { FhirPrincipal } from '../auth/fhir-principal';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { PatientCompartmentIndexer } from '../search/patient-compartment.indexer';
import { Criterion, Query } from '../search/query/search-request';
import { SearchEngine } from '../search/search.engine';
import { AccessContext, AccessDefinitions } from './access-context';

@Injectable()
export class AccessPolicy {
  private readonly definitions: AccessDefinitions;
  private readonly restrictions = new Map<string, Criterion[] | null>();

  constructor(
    compartments: PatientCompartmentIndexer,
    private readonly engine: SearchEngine,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.definitions = {
      compartmentTypes: compartments.types,
      restriction: (type, restriction) => this.restriction(type, restriction),
      practitionerAccess: new Set(config.practitionerAccess),
      fhirBaseUrl: config.fhirBaseUrl,
    };
  }

  contextFor(principal: FhirPrincipal): AccessContext {
    return AccessContext.forPrincipal(principal, this.definitions);
  }

  /**
   * A restriction (`category=laboratory&code=…`) as the criteria of a search on `type`: only search parameters
   * of that type, matched on the resource's own index rows (no chain or _has, which would reach other resources
   * unfiltered), no result parameters. Anything else makes the scope give nothing on the type.
   */
  private restriction(type: string, restriction: string): Criterion[] | null {
    const key = `${type}?${restriction}`;
    if (this.restrictions.has(key)) return this.restrictions.get(key)!;
    let criteria: Criterion[] | null = null;
    try {
      const query: Query = {};
      for (const [name, value] of new URLSearchParams(restriction)) {
        const prior = query[name];
        query[name] = prior === undefined ? value : [...([] as string[]).concat(prior), value];
      }
      const request = this.engine.parse(type, query);
      const plain = request.unknown.length === 0 && request.sort.length === 0 && request.include.length === 0 &&
        request.criteria.length > 0 && request.criteria.every((c) => c.kind === 'param') && request.summary === undefined && request.elements === undefined && request.total === undefined;
      criteria = plain ? request.criteria : null;
    } catch {
      criteria = null;
    }
    if (this.restrictions.size < 10_000) this.restrictions.set(key, criteria);
    return criteria;
  }
}
