// read: GET [base]/[type]/[id]. https://hl7.org/fhir/R4/http.html#read
import { Injectable } from '@nestjs/common';
import { FhirResult } from '../outcome/fhir-result';
import { ResourceRepository } from '../storage/resource.repository';
import { gone, notFound, requireValidId } from './interaction-errors';
import { Headers } from './request-headers';
import { versionResult } from './version-result';

@Injectable()
export class ReadInteraction {
  constructor(private readonly repository: ResourceRepository) {}

  async execute(type: string, id: string, headers: Headers): Promise<FhirResult> {
    requireValidId(id);
    const current = await this.repository.readCurrent(type, id);
    if (!current) throw notFound(type, id);
    if (current.deleted) throw gone(type, id);
    return versionResult(current, headers);
  }
}
