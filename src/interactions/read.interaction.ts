// read: GET [base]/[type]/[id]. https://hl7.org/fhir/R4/http.html#read
import { Injectable } from '@nestjs/common';
import { FhirResult, versionHeaders } from '../outcome/fhir-result';
import { FhirError } from '../outcome/operation-outcome';
import { ResourceRepository } from '../storage/resource.repository';
import { StoredVersion } from '../storage/stored-resource';
import { Headers, ifNoneMatchHits, notModifiedSince } from './request-headers';
import { ResourceBodyChecker } from './resource-body';

export function notFound(type: string, id: string): FhirError {
  return FhirError.of(404, 'not-found', 'resource-not-found', `Resource ${type}/${id} is not known`);
}

export function gone(type: string, id: string): FhirError {
  return FhirError.of(410, 'deleted', 'resource-deleted', `Resource ${type}/${id} has been deleted`);
}

/** 200 with the version, or 304 when the client's conditional headers say it already has it. */
export function versionResult(v: StoredVersion, headers: Headers): FhirResult {
  if (ifNoneMatchHits(headers, v.versionId) || (headers['if-none-match'] === undefined && notModifiedSince(headers, v.lastUpdated))) {
    return { status: 304, headers: versionHeaders(v) };
  }
  return { status: 200, headers: versionHeaders(v), raw: v.content ?? undefined };
}

@Injectable()
export class ReadInteraction {
  constructor(private readonly repository: ResourceRepository) {}

  async execute(type: string, id: string, headers: Headers): Promise<FhirResult> {
    ResourceBodyChecker.requireId(id);
    const current = await this.repository.readCurrent(type, id);
    if (!current) throw notFound(type, id);
    if (current.deleted) throw gone(type, id);
    return versionResult(current, headers);
  }
}
