// update: PUT [base]/[type]/[id], with If-Match for version-aware updates. https://hl7.org/fhir/R4/http.html#update
// An update that changes nothing (apart from meta.versionId/lastUpdated) makes no new version: reimports are safe.
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { ResourceTypeGate } from '../conformance/resource-type.gate';
import { FhirResult } from '../outcome/fhir-result';
import { FhirError } from '../outcome/operation-outcome';
import { ResourceRepository } from '../storage/resource.repository';
import { withServerMeta } from '../storage/stored-resource';
import { requireIfMatch, requireValidId } from './interaction-errors';
import { Headers, ifMatch } from './request-headers';
import { ResourceBodyChecker } from './resource-body';
import { sameContent } from './same-content';
import { writeResponse } from './write-response';

@Injectable()
export class UpdateInteraction {
  constructor(
    private readonly repository: ResourceRepository,
    private readonly body: ResourceBodyChecker,
    private readonly gate: ResourceTypeGate,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(type: string, id: string, payload: unknown, headers: Headers): Promise<FhirResult> {
    requireValidId(id);
    const resource = this.body.resource(payload, type, headers['content-type'] as string | undefined);
    if (resource.id !== id) {
      throw FhirError.of(400, 'invalid', 'id-mismatch',
        resource.id === undefined ? 'The resource must carry the id given in the URL' : `The resource id (${String(resource.id)}) does not match the URL (${id})`,
        ['id']);
    }
    const condition = ifMatch(headers);
    const candidate = withServerMeta(resource, id, 1, new Date());
    this.body.validate(candidate);
    const { previous, stored } = await this.repository.modify(type, id, (current) => {
      requireIfMatch(condition, type, id, current);
      if (!current && !this.config.updateCreate) {
        throw this.gate.notAllowed(type, 'update', 'update-create-disabled',
          `${type}/${id} does not exist and this server does not create resources with client-assigned ids on update`, ['PUT']);
      }
      if (current && !current.deleted && current.content !== null && sameContent(current.content, candidate)) return null;
      return { resource: candidate, method: 'PUT' };
    });
    if (!stored) {
      const result = writeResponse(this.config.fhirBaseUrl, previous!, 200, headers, `${type}/${id} is unchanged; no new version`);
      return { ...result, unchanged: true };
    }
    const created = !previous || previous.deleted;
    return writeResponse(this.config.fhirBaseUrl, stored, created ? 201 : 200, headers,
      `${created ? 'Created' : 'Updated'} ${type}/${id}`);
  }
}
