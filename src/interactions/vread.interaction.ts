// vread: GET [base]/[type]/[id]/_history/[vid]. https://hl7.org/fhir/R4/http.html#vread
import { Injectable } from '@nestjs/common';
import { FhirResult } from '../outcome/fhir-result';
import { ResourceRepository } from '../storage/resource.repository';
import { gone, notFound, requireValidId, versionNotFound } from './interaction-errors';
import { Headers } from './request-headers';
import { versionResult } from './version-result';

@Injectable()
export class VreadInteraction {
  constructor(private readonly repository: ResourceRepository) {}

  async execute(type: string, id: string, vid: string, headers: Headers): Promise<FhirResult> {
    requireValidId(id);
    const version = /^\d{1,9}$/.test(vid) ? await this.repository.readVersion(type, id, Number(vid)) : null;
    if (!version) {
      if (!(await this.repository.readCurrent(type, id))) throw notFound(type, id);
      throw versionNotFound(type, id, vid);
    }
    if (version.deleted) throw gone(type, id);
    return versionResult(version, headers);
  }
}
