// The codes AuditEvents are written with: event types and subtypes, agent and entity types and roles, outcomes.
// https://hl7.org/fhir/R4/auditevent.html https://hl7.org/fhir/R4/valueset-audit-event-type.html
export interface Coding {
  system: string;
  code: string;
  display?: string;
}

const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
/** The server's own subtypes of authorization and admin events (none of the published code systems names them). */
export const AUDIT_SUBTYPE_SYSTEM = 'urn:fhir-server:audit-event-subtype';
/** Identifiers of the server's users and registered apps, as agents. */
export const USER_SYSTEM = 'urn:fhir-server:user';
export const CLIENT_SYSTEM = 'urn:fhir-server:client';
/** The server's id of an HTTP request (its X-Request-Id answer header). */
export const REQUEST_ID_SYSTEM = 'urn:fhir-server:request-id';

export const REST_TYPE: Coding = { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'RESTful Operation' };
export const AUTHENTICATION_TYPE: Coding = { system: DCM, code: '110114', display: 'User Authentication' };
export const LOGIN_SUBTYPE: Coding = { system: DCM, code: '110122', display: 'Login' };

export type RestInteraction =
  | 'read' | 'vread' | 'update' | 'patch' | 'delete' | 'history-instance' | 'history-type' | 'history-system'
  | 'create' | 'search-type' | 'search-system' | 'capabilities' | 'transaction' | 'batch' | 'operation';

export function restSubtype(interaction: RestInteraction): Coding {
  return { system: RESTFUL_INTERACTION, code: interaction, display: interaction };
}

export type AuthorizationEvent =
  | 'consent-granted' | 'consent-denied' | 'token-issued' | 'token-refreshed' | 'token-refused' | 'token-revoked'
  | 'grant-revoked' | 'sign-in-cancelled';

const AUTHORIZATION_DISPLAY: Record<AuthorizationEvent, string> = {
  'consent-granted': 'Consent given',
  'consent-denied': 'Consent denied',
  'token-issued': 'Token issued',
  'token-refreshed': 'Token refreshed',
  'token-refused': 'Token request refused',
  'token-revoked': 'Token revoked',
  'grant-revoked': 'Grant revoked',
  'sign-in-cancelled': 'Sign-in cancelled',
};

export function authorizationSubtype(event: AuthorizationEvent): Coding {
  return { system: AUDIT_SUBTYPE_SYSTEM, code: event, display: AUTHORIZATION_DISPLAY[event] };
}

/** C create, R read, U update, D delete, E execute (searches, batches, sign-ins). */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
/** 0 success, 4 minor failure (a refusal, a client error), 8 serious failure (a server error). */
export type AuditOutcome = '0' | '4' | '8';

export function outcomeOf(status: number): AuditOutcome {
  if (status >= 500) return '8';
  return status >= 400 ? '4' : '0';
}

export const HUMAN_USER: Coding = { system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type', code: 'humanuser', display: 'human user' };
export const APPLICATION: Coding = { system: DCM, code: '110150', display: 'Application' };
export const SOURCE_TYPE: Coding = { system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' };

const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
export const PERSON: Coding = { system: ENTITY_TYPE, code: '1', display: 'Person' };
export const SYSTEM_OBJECT: Coding = { system: ENTITY_TYPE, code: '2', display: 'System Object' };
export const PATIENT_ROLE: Coding = { system: OBJECT_ROLE, code: '1', display: 'Patient' };
export const DOMAIN_RESOURCE_ROLE: Coding = { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' };
export const QUERY_ROLE: Coding = { system: OBJECT_ROLE, code: '24', display: 'Query' };
export const SECURITY_USER_ROLE: Coding = { system: OBJECT_ROLE, code: '11', display: 'Security User Entity' };
/** The entity type IHE Basic Audit Log Patterns give a request id. https://profiles.ihe.net/ITI/BALP/ */
export const REQUEST_ID_TYPE: Coding = { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId', display: 'XrequestId' };
