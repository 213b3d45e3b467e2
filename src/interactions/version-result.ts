// The answer to read and vread: one stored version, or 304 when the client already has it.
// https://hl7.org/fhir/R4/http.html#cread
import { FhirResult, versionHeaders } from '../outcome/fhir-result';
import { StoredVersion } from '../storage/stored-resource';
import { Headers, ifNoneMatchHits, notModifiedSince } from './request-headers';

export function versionResult(v: StoredVersion, headers: Headers): FhirResult {
  const conditional = headers['if-none-match'] !== undefined
    ? ifNoneMatchHits(headers, v.versionId)
    : notModifiedSince(headers, v.lastUpdated);
  if (conditional) return { status: 304, headers: versionHeaders(v), version: v };
  return { status: 200, headers: versionHeaders(v), raw: v.content ?? undefined, version: v };
}
