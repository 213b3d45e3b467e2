// What one audit record says, and how it becomes an R4 AuditEvent; and the search keys read back out of one
// (patients, agents, entities), which the writer stores beside it and `audit verify` checks against it.
// https://hl7.org/fhir/R4/auditevent.html
import {
  APPLICATION, AuditAction, AuditOutcome, CLIENT_SYSTEM, Coding, HUMAN_USER, PATIENT_ROLE, PERSON, SOURCE_TYPE, USER_SYSTEM,
} from './audit-codes';

/** Who acted: a signed-in user (by id, and fhirUser when linked), the app (client id), or both. */
export interface AuditActor {
  userId?: string;
  /** e.g. "Practitioner/123" */
  fhirUser?: string;
  /** e.g. the username of the account a sign-in was for */
  userName?: string;
  clientId?: string;
  /** The access token's id (its jti), never the token. */
  tokenId?: string;
  address?: string;
}

export interface AuditEntity {
  what?: { reference?: string; identifier?: { system: string; value: string }; display?: string };
  type?: Coding;
  role?: Coding;
  name?: string;
  description?: string;
  /** base64, for a search's query string */
  query?: string;
  detail?: { type: string; valueString: string }[];
}

export interface AuditInput {
  type: Coding;
  subtype: Coding[];
  action: AuditAction;
  outcome: AuditOutcome;
  outcomeDesc?: string;
  actor: AuditActor;
  entities?: AuditEntity[];
  /** 'Patient/<id>' keys of the patients concerned. */
  patients?: Iterable<string>;
}

export interface AuditSource {
  /** The FHIR base URL of this server. */
  observer: string;
}

const PATIENT_KEY = /^Patient\/[A-Za-z0-9\-.]{1,64}$/;

function agents(actor: AuditActor): Record<string, unknown>[] {
  const network = actor.address ? { network: { address: actor.address, type: '2' } } : {};
  const policy = actor.tokenId ? { policy: [actor.tokenId] } : {};
  const list: Record<string, unknown>[] = [];
  if (actor.userId || actor.fhirUser) {
    const who: Record<string, unknown> = {};
    if (actor.fhirUser) who.reference = actor.fhirUser;
    if (actor.userId) who.identifier = { system: USER_SYSTEM, value: actor.userId };
    list.push({
      type: { coding: [HUMAN_USER] }, who, ...(actor.userName ? { altId: actor.userName } : {}), requestor: true, ...network, ...policy,
    });
  } else if (actor.userName) {
    // Known by name only (an operator of the admin CLI, by operating-system account).
    list.push({ type: { coding: [HUMAN_USER] }, name: actor.userName, requestor: true, ...network });
  }
  if (actor.clientId) {
    const requestor = list.length === 0;
    list.push({
      type: { coding: [APPLICATION] }, who: { identifier: { system: CLIENT_SYSTEM, value: actor.clientId } }, requestor,
      ...(requestor ? { ...network, ...policy } : {}),
    });
  }
  // Nobody authenticated: the caller is known by its address only.
  if (list.length === 0) list.push({ type: { coding: [HUMAN_USER] }, name: 'unauthenticated caller', requestor: true, ...network });
  return list;
}

/** The AuditEvent, its elements in a fixed order: the JSON text of it is what the chain hashes. */
export function buildAuditEvent(id: string, recorded: Date, input: AuditInput, source: AuditSource): Record<string, unknown> {
  const patients = [...new Set(input.patients ?? [])].filter((p) => PATIENT_KEY.test(p)).sort();
  const entities: AuditEntity[] = [
    ...(input.entities ?? []),
    ...patients.map((reference) => ({ what: { reference }, type: PERSON, role: PATIENT_ROLE })),
  ];
  const event: Record<string, unknown> = {
    resourceType: 'AuditEvent',
    id,
    meta: { versionId: '1', lastUpdated: recorded.toISOString() },
    type: input.type,
    subtype: input.subtype,
    action: input.action,
    recorded: recorded.toISOString(),
    outcome: input.outcome,
  };
  if (input.outcomeDesc) event.outcomeDesc = input.outcomeDesc;
  event.agent = agents(input.actor);
  event.source = { observer: { identifier: { system: 'urn:ietf:rfc:3986', value: source.observer }, display: 'FHIR server' }, type: [SOURCE_TYPE] };
  if (entities.length > 0) event.entity = entities;
  return event;
}

export interface AuditKeys {
  compartments: string[];
  agents: string[];
  entities: string[];
}

type Who = { reference?: string; identifier?: { system?: string; value?: string } };

function whoKeys(who: Who | undefined): string[] {
  const keys: string[] = [];
  if (typeof who?.reference === 'string') keys.push(who.reference);
  if (typeof who?.identifier?.system === 'string' && typeof who.identifier.value === 'string') keys.push(`${who.identifier.system}|${who.identifier.value}`);
  return keys;
}

const sorted = (values: string[]) => [...new Set(values)].sort();

/**
 * The search keys of an AuditEvent: the patients it is about (entities in the patient role, and a patient acting
 * as agent), each agent's reference and `system|value` identifier, each entity's reference.
 */
export function auditKeys(event: { agent?: { who?: Who }[]; entity?: { what?: Who; role?: { code?: string; system?: string } }[] }): AuditKeys {
  const agentWho = (event.agent ?? []).map((a) => a.who);
  const entityWhat = (event.entity ?? []);
  const compartments = [
    ...entityWhat.filter((e) => e.role?.system === PATIENT_ROLE.system && e.role.code === PATIENT_ROLE.code).map((e) => e.what?.reference),
    ...agentWho.map((w) => w?.reference),
  ].filter((r): r is string => typeof r === 'string' && PATIENT_KEY.test(r));
  return {
    compartments: sorted(compartments),
    agents: sorted(agentWho.flatMap(whoKeys)),
    entities: sorted(entityWhat.flatMap((e) => whoKeys(e.what))),
  };
}
