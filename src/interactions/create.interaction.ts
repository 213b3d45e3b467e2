// create: POST [base]/[type]. https://hl7.org/fhir/R4/http.html#create
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { FhirResult } from '../outcome/fhir-result';
import { ResourceRepository } from '../storage/resource.repository';
import { withServerMeta } from '../storage/stored-resource';
import { Headers } from './request-headers';
import { ResourceBodyChecker } from './resource-body';
import { writeResponse } from './write-response';

@Injectable()
export class CreateInteraction {
  constructor(
    private readonly repository: ResourceRepository,
    private readonly body: ResourceBodyChecker,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(type: string, payload: unknown, headers: Headers): Promise<FhirResult> {
    const resource = this.body.resource(payload, type, headers['content-type'] as string | undefined);
    // The server assigns id, versionId and lastUpdated: validate the resource as it will be stored.
    const id = this.repository.newId();
    const candidate = withServerMeta(resource, id, 1, new Date());
    this.body.validate(candidate);
    const stored = await this.repository.create(id, candidate);
    return writeResponse(this.config.fhirBaseUrl, stored, 201, headers, `Created ${type}/${id}`);
  }
}
