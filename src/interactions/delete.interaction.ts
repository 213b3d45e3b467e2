// delete: DELETE [base]/[type]/[id]; the deletion is itself a version in history. https://hl7.org/fhir/R4/http.html#delete
import { Injectable } from '@nestjs/common';
import { etag, FhirResult } from '../outcome/fhir-result';
import { ResourceRepository } from '../storage/resource.repository';
import { requireIfMatch, requireValidId } from './interaction-errors';
import { Headers, ifMatch } from './request-headers';

@Injectable()
export class DeleteInteraction {
  constructor(private readonly repository: ResourceRepository) {}

  async execute(type: string, id: string, headers: Headers): Promise<FhirResult> {
    requireValidId(id);
    const condition = ifMatch(headers);
    const { previous, stored } = await this.repository.modify(type, id, (current) => {
      requireIfMatch(condition, type, id, current);
      return current && !current.deleted ? { delete: true } : null;
    }, 'd');
    // Deleting what is already deleted, or never existed, succeeds without a new version (R4: 200 or 204).
    const version = stored ?? previous;
    return { status: 204, headers: version ? { etag: etag(version.versionId) } : {} };
  }
}
