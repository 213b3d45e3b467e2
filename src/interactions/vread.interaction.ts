// vread: GET [base]/[type]/[id]/_history/[vid]. https://hl7.org/fhir/R4/http.html#vread
import { Injectable } from '@nestjs/common';
import { FhirResult } from '../outcome/fhir-result';
import { FhirError } from '../outcome/operation-outcome';
import { ResourceRepository } from '../storage/resource.repository';
import { gone, notFound, versionResult } from './read.interaction';
import { Headers } from './request-headers';
import { ResourceBodyChecker } from './resource-body';

@Injectable()
export class VreadInteraction {
  constructor(private readonly repository: ResourceRepository) {}

  async execute(type: string, id: string, vid: string, headers: Headers): Promise<FhirResult> {
    ResourceBodyChecker.requireId(id);
    if (!/^\d{1,9}$/.test(vid)) {
      throw FhirError.of(404, 'not-found', 'version-not-found', `Version ${vid} of ${type}/${id} is not known`);
    }
    const version = await this.repository.readVersion(type, id, Number(vid));
    if (!version) {
      if (!(await this.repository.readCurrent(type, id))) throw notFound(type, id);
      throw FhirError.of(404, 'not-found', 'version-not-found', `Version ${vid} of ${type}/${id} is not known`);
    }
    if (version.deleted) throw gone(type, id);
    return versionResult(version, headers);
  }
}
