// The answer to create, update and patch, shaped by Prefer: return=. https://hl7.org/fhir/R4/http.html#ops
import { AccessScope } from '../access/access-scope';
import { FhirResult, versionHeaders, versionLocation } from '../outcome/fhir-result';
import { issue, outcome } from '../outcome/operation-outcome';
import { StoredVersion } from '../storage/stored-resource';
import { Headers, returnPreference } from './request-headers';

export function writeResponse(
  baseUrl: string,
  stored: StoredVersion,
  status: 200 | 201,
  headers: Headers,
  message: string,
): FhirResult {
  const out: FhirResult = {
    status,
    headers: { ...versionHeaders(stored), location: versionLocation(baseUrl, stored) },
    version: stored,
  };
  const preference = returnPreference(headers);
  // The stored resource goes back only to a caller that may read it: a token that may update or patch but not
  // read (SMART `u` without `r`) gets the minimal answer, or a patch would show what it was applied to.
  if (preference === 'representation' && AccessScope.current().allows(stored.resourceType, 'r')) out.raw = stored.content ?? undefined;
  else if (preference === 'OperationOutcome') {
    out.body = outcome([issue('information', 'informational', 'ok', message)]);
  }
  return out;
}
