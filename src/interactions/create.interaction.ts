// create: POST [base]/[type], and conditional create with If-None-Exist. https://hl7.org/fhir/R4/http.html#create
// https://hl7.org/fhir/R4/http.html#ccreate
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { FhirResult } from '../outcome/fhir-result';
import { DatabaseSession } from '../storage/database-session';
import { ResourceRepository } from '../storage/resource.repository';
import { FhirResource, withServerMeta } from '../storage/stored-resource';
import { ConditionalMatcher, parseCriteria, tooManyMatches } from './conditional-criteria';
import { Headers } from './request-headers';
import { ResourceBodyChecker } from './resource-body';
import { writeResponse } from './write-response';

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

@Injectable()
export class CreateInteraction {
  constructor(
    private readonly repository: ResourceRepository,
    private readonly body: ResourceBodyChecker,
    private readonly matcher: ConditionalMatcher,
    private readonly db: DatabaseSession,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `assignedId`: the id a transaction already handed out for this entry (server-assigned all the same). */
  async execute(type: string, payload: unknown, headers: Headers, assignedId?: string): Promise<FhirResult> {
    const resource = this.body.resource(payload, type, headers['content-type'] as string | undefined);
    const condition = header(headers, 'if-none-exist');
    const criteria = condition === undefined ? undefined : parseCriteria(condition, 'If-None-Exist');
    // The server assigns id, versionId and lastUpdated: validate the resource as it will be stored.
    const id = assignedId ?? this.repository.newId();
    const candidate = withServerMeta(resource, id, 1, new Date());
    this.body.validate(candidate);
    if (!criteria) return this.store(type, id, candidate, headers);
    return this.db.transaction(async () => {
      const matches = await this.matcher.lockAndMatch(type, criteria);
      if (matches.length > 1) throw tooManyMatches(type, criteria, 'If-None-Exist');
      if (matches.length === 0) return this.store(type, id, candidate, headers);
      // One match: nothing is created and the existing resource is the answer (no new version).
      // Matched by search, so read with the search permission (the caller may hold c and s without r).
      const existing = await this.repository.readCurrent(type, matches[0], 's');
      const result = writeResponse(this.config.fhirBaseUrl, existing!, 200, headers, `${type}/${matches[0]} matches If-None-Exist; nothing was created`);
      return { ...result, unchanged: true };
    });
  }

  /** Creates a validated resource under `id`. */
  async store(type: string, id: string, candidate: FhirResource, headers: Headers): Promise<FhirResult> {
    const stored = await this.repository.create(id, candidate);
    return writeResponse(this.config.fhirBaseUrl, stored, 201, headers, `Created ${type}/${id}`);
  }
}
