// update: PUT [base]/[type]/[id], with If-Match for version-aware updates. https://hl7.org/fhir/R4/http.html#update
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { FhirResult } from '../outcome/fhir-result';
import { FhirError } from '../outcome/operation-outcome';
import { ResourceRepository } from '../storage/resource.repository';
import { StoredVersion, withServerMeta } from '../storage/stored-resource';
import { Headers, ifMatchVersion } from './request-headers';
import { ResourceBodyChecker } from './resource-body';
import { writeResponse } from './write-response';

export function versionConflict(type: string, id: string, expected: number, current: StoredVersion | null): FhirError {
  return FhirError.of(
    412,
    'conflict',
    'version-conflict',
    current
      ? `If-Match names version ${expected} of ${type}/${id} but the current version is ${current.versionId}`
      : `If-Match names version ${expected} of ${type}/${id}, which does not exist`,
  );
}

@Injectable()
export class UpdateInteraction {
  constructor(
    private readonly repository: ResourceRepository,
    private readonly body: ResourceBodyChecker,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(type: string, id: string, payload: unknown, headers: Headers): Promise<FhirResult> {
    ResourceBodyChecker.requireId(id);
    const resource = this.body.resource(payload, type);
    if (resource.id !== id) {
      throw FhirError.of(400, 'invalid', 'id-mismatch',
        resource.id === undefined ? 'The resource must carry the id given in the URL' : `The resource id (${String(resource.id)}) does not match the URL (${id})`,
        ['id']);
    }
    const expected = ifMatchVersion(headers);
    const candidate = withServerMeta(resource, id, 1, new Date());
    this.body.validate(candidate);
    const { previous, stored } = await this.repository.modify(type, id, (current) => {
      if (expected !== undefined && current?.versionId !== expected) throw versionConflict(type, id, expected, current);
      if (!current && !this.config.updateCreate) {
        throw FhirError.of(405, 'not-supported', 'update-create-disabled',
          `${type}/${id} does not exist and this server does not create resources with client-assigned ids on update`);
      }
      return { resource: candidate, method: 'PUT' };
    });
    const created = !previous || previous.deleted;
    return writeResponse(this.config.fhirBaseUrl, stored!, created ? 201 : 200, headers,
      `${created ? 'Created' : 'Updated'} ${type}/${id}`);
  }
}
