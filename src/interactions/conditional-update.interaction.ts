// conditional update: PUT [base]/[type]?criteria. https://hl7.org/fhir/R4/http.html#cond-update
// No match: create (under the body's id when it has one, as update-as-create); one match: update that resource;
// several: 412. The match and the write happen under the criteria's advisory lock, in one transaction.
import { Injectable } from '@nestjs/common';
import { FhirResult } from '../outcome/fhir-result';
import { FhirError } from '../outcome/operation-outcome';
import { DatabaseSession } from '../storage/database-session';
import { ResourceRepository } from '../storage/resource.repository';
import { ConditionalMatcher, tooManyMatches } from './conditional-criteria';
import { CreateInteraction } from './create.interaction';
import { requireValidId } from './interaction-errors';
import { Query } from './paging';
import { Headers } from './request-headers';
import { ResourceBodyChecker } from './resource-body';
import { UpdateInteraction } from './update.interaction';

@Injectable()
export class ConditionalUpdateInteraction {
  constructor(
    private readonly matcher: ConditionalMatcher,
    private readonly update: UpdateInteraction,
    private readonly create: CreateInteraction,
    private readonly body: ResourceBodyChecker,
    private readonly repository: ResourceRepository,
    private readonly db: DatabaseSession,
  ) {}

  /** `assignedId`: the id a transaction handed out for this entry, used when it creates without a body id. */
  async execute(type: string, criteria: Query, payload: unknown, headers: Headers, assignedId?: string): Promise<FhirResult> {
    const resource = this.body.resource(payload, type, headers['content-type'] as string | undefined);
    const bodyId = resource.id;
    if (bodyId !== undefined) requireValidId(String(bodyId));
    return this.db.transaction(async () => {
      const matches = await this.matcher.lockAndMatch(type, criteria);
      if (matches.length > 1) throw tooManyMatches(type, criteria, 'The conditional update');
      if (matches.length === 1) {
        if (bodyId !== undefined && bodyId !== matches[0]) {
          throw FhirError.of(400, 'invalid', 'id-mismatch',
            `The resource id (${String(bodyId)}) is not the id of the resource the criteria match (${matches[0]})`, ['id']);
        }
        return this.update.execute(type, matches[0], { ...resource, id: matches[0] }, headers);
      }
      if (bodyId === undefined) return this.create.execute(type, resource, withoutIfNoneExist(headers), assignedId);
      // A resource that has the body's id but does not match the criteria must not be overwritten.
      const current = await this.repository.readCurrent(type, bodyId, 's'); // the route's own permissions are u and s
      if (current && !current.deleted) {
        throw FhirError.of(409, 'conflict', 'conditional-id-conflict',
          `${type}/${bodyId} exists but does not match the criteria; the conditional update cannot create it`);
      }
      return this.update.execute(type, bodyId, resource, headers);
    });
  }
}

function withoutIfNoneExist(headers: Headers): Headers {
  const { 'if-none-exist': _ignored, ...rest } = headers;
  return rest;
}
