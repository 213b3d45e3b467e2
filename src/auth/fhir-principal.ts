// Who is calling: what the authentication step hands to every later stage of the request.
export interface FhirPrincipal {
  /** Stable subject identifier (user or client). */
  subject: string;
  clientId?: string;
  /** Granted scopes, as issued. */
  scopes: string[];
  /** FHIR resource reference of the user (e.g. Practitioner/123). */
  fhirUser?: string;
  /** Launch context patient id, for patient/ scopes. */
  patient?: string;
  /** Launch context encounter id. */
  encounter?: string;
  /** The signed-in user's role; absent for a backend service acting for no user. */
  role?: 'patient' | 'practitioner' | 'admin';
  /** The access token's id (jti), for audit and revocation. */
  tokenId?: string;
}

/** Request headers as the resolver sees them; nothing else of the request is trusted for identity. */
export type RequestHeaders = Record<string, string | string[] | undefined>;

/**
 * Turns a request's credentials into a principal, or null when there are none or they are not valid.
 * The shipped implementation is the only one registered by the application module; tests replace it
 * through the Nest testing module, never through configuration.
 */
export abstract class PrincipalResolver {
  abstract resolve(headers: RequestHeaders): Promise<FhirPrincipal | null>;
}
