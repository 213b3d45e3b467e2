// The errors the interactions share, each with its status and stable code. https://hl7.org/fhir/R4/http.html
import { FhirError } from '../outcome/operation-outcome';
import { StoredVersion } from '../storage/stored-resource';
import { IfMatch } from './request-headers';

/** A FHIR logical id. https://hl7.org/fhir/R4/datatypes.html#id */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function requireValidId(id: string): void {
  if (!ID_PATTERN.test(id)) throw FhirError.of(400, 'invalid', 'invalid-id', 'The id in the URL is not a valid FHIR id');
}

export function notFound(type: string, id: string): FhirError {
  return FhirError.of(404, 'not-found', 'resource-not-found', `Resource ${type}/${id} is not known`);
}

export function gone(type: string, id: string): FhirError {
  return FhirError.of(410, 'deleted', 'resource-deleted', `Resource ${type}/${id} has been deleted`);
}

export function versionNotFound(type: string, id: string, vid: string): FhirError {
  return FhirError.of(404, 'not-found', 'version-not-found', `Version ${vid.slice(0, 20)} of ${type}/${id} is not known`);
}

/** 412 unless the If-Match condition (when given) holds for the current version. */
export function requireIfMatch(condition: IfMatch | undefined, type: string, id: string, current: StoredVersion | null): void {
  if (condition === undefined || condition.matches(current?.versionId)) return;
  throw FhirError.of(
    412,
    'conflict',
    'version-conflict',
    current
      ? `If-Match ${condition.text} does not match the current version of ${type}/${id} (W/"${current.versionId}")`
      : `If-Match ${condition.text} was given but ${type}/${id} does not exist`,
  );
}
