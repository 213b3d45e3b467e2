// The one answer to a request without a valid principal: 401, OperationOutcome, WWW-Authenticate.
// https://www.rfc-editor.org/rfc/rfc6750#section-3
import { FhirError, issue } from '../outcome/operation-outcome';

export function authenticationRequired(fhirBaseUrl: string): FhirError {
  return new FhirError(
    401,
    [issue('error', 'login', 'authentication-required', 'Authentication is required: send a valid bearer token')],
    { 'www-authenticate': `Bearer realm="${fhirBaseUrl}"` },
  );
}
