// delete: DELETE [base]/[type]/[id]; the deletion is itself a version in history. https://hl7.org/fhir/R4/http.html#delete
import { Injectable } from '@nestjs/common';
import { etag, FhirResult } from '../outcome/fhir-result';
import { ResourceRepository } from '../storage/resource.repository';
import { notFound } from './read.interaction';
import { Headers, ifMatchVersion } from './request-headers';
import { ResourceBodyChecker } from './resource-body';
import { versionConflict } from './update.interaction';

@Injectable()
export class DeleteInteraction {
  constructor(private readonly repository: ResourceRepository) {}

  async execute(type: string, id: string, headers: Headers): Promise<FhirResult> {
    ResourceBodyChecker.requireId(id);
    const expected = ifMatchVersion(headers);
    const { previous, stored } = await this.repository.modify(type, id, (current) => {
      if (expected !== undefined && current?.versionId !== expected) throw versionConflict(type, id, expected, current);
      if (!current) throw notFound(type, id);
      return current.deleted ? null : { delete: true };
    });
    // Deleting what is already deleted succeeds without a new version (delete is idempotent).
    const version = stored ?? previous!;
    return { status: 204, headers: { etag: etag(version.versionId) } };
  }
}
