// One AuditEvent per FHIR (and admin API) request, written when the response has gone: who called, what they
// did to what, which patients it touched, the outcome, and for a refusal the access rule behind it. Fastify
// hooks see every answer, also those refused before a handler ran (401 on arrival, 404/405 of the router).
// https://hl7.org/fhir/R4/auditevent.html
import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessDenial } from '../access/access-context';
import type { GuardedRequest } from '../access/access.guard';
import { DatabaseSession } from '../storage/database-session';
import {
  AuditAction, DOMAIN_RESOURCE_ROLE, outcomeOf, QUERY_ROLE, REQUEST_ID_SYSTEM, REQUEST_ID_TYPE, REST_TYPE, restSubtype, SYSTEM_OBJECT,
} from './audit-codes';
import { AuditActor, AuditEntity, AuditInput } from './audit-event.builder';
import { AuditTrail } from './audit-trail.service';
import { classifyRest, recordedQuery, RestCall } from './rest-interaction.classifier';

const logger = new Logger('AuditTrail');
const AUDITED = /^\/(fhir|admin)(\/|\?|$)/;
const ERROR_CODE = /"system"\s*:\s*"urn:fhir-server:error-code"\s*,\s*"code"\s*:\s*"([A-Za-z0-9-]{1,64})"/;
/** `Practitioner/123`, also at the end of an absolute URL. */
const FHIR_USER = /(?:^|\/)([A-Z][A-Za-z]{0,63}\/[A-Za-z0-9\-.]{1,64})$/;
const LOCATION = /\/([A-Z][A-Za-z]{0,63})\/([A-Za-z0-9\-.]{1,64})\/_history\/([A-Za-z0-9\-.]{1,64})$/;
/** Joins the status text and the refusal's rule in outcomeDesc; what follows it is shown to administrators only. */
export const DENIAL_SEPARATOR = '; access rule ';

type AuditedRequest = FastifyRequest & Omit<GuardedRequest, 'params' | 'headers'> & { auditErrorCode?: string };

function actorOf(request: AuditedRequest): AuditActor {
  const p = request.principal;
  const actor: AuditActor = { address: request.ip };
  if (!p) return actor;
  // A backend service's subject is its client id; a user's is the user id.
  if (p.subject && p.subject !== p.clientId) actor.userId = p.subject;
  const fhirUser = p.fhirUser ? FHIR_USER.exec(p.fhirUser) : null;
  if (fhirUser) actor.fhirUser = fhirUser[1];
  if (p.clientId) actor.clientId = p.clientId;
  if (p.tokenId) actor.tokenId = p.tokenId;
  return actor;
}

function queryText(request: AuditedRequest): string | undefined {
  const q = request.url.indexOf('?');
  const pairs: [string, string][] = q < 0 ? [] : [...new URLSearchParams(request.url.slice(q + 1))];
  const form = (request.body as { params?: Record<string, string[]> } | undefined)?.params;
  if (form && typeof form === 'object') for (const [k, vs] of Object.entries(form)) for (const v of vs) pairs.push([k, v]);
  return pairs.length > 0 ? recordedQuery(pairs) : undefined;
}

/**
 * The refusal or filtering behind a failed answer, for administrators: the guard's denial, or a lookup by id that
 * the access filter emptied (`filteredExists`: the resource does exist).
 */
function denialOf(request: AuditedRequest, status: number, filteredExists: boolean): AccessDenial | undefined {
  if (request.accessDenial) return request.accessDenial;
  if (status === 401) return { rule: 'authentication-required', detail: 'no valid bearer token' };
  const lookup = request.access?.filteredLookup;
  if (status === 404 && lookup && filteredExists) {
    const rule = request.access!.filteringRules(lookup.type, lookup.permission);
    return { rule, detail: `${lookup.type}/${lookup.id} exists but is outside what the token reaches` };
  }
  return undefined;
}

function entitiesOf(call: RestCall, request: AuditedRequest, reply: FastifyReply, denial?: AccessDenial): AuditEntity[] {
  const entities: AuditEntity[] = [];
  let type = call.type;
  let id = call.id;
  let versionId = call.versionId;
  // A write names what it wrote in Location (also a conditional one, whose target the URL does not name).
  const written = LOCATION.exec(String(reply.getHeader('location') ?? ''));
  if (written && (call.action !== 'R' && call.action !== 'E')) [, type, id, versionId] = written;
  if (id && type) {
    const detail = versionId ? [{ type: 'versionId', valueString: versionId }] : [];
    entities.push({ what: { reference: `${type}/${id}` }, type: SYSTEM_OBJECT, role: DOMAIN_RESOURCE_ROLE, ...(detail.length ? { detail } : {}) });
  }
  const query = call.hasQuery ? queryText(request) : undefined;
  if (query !== undefined || (call.hasQuery && type)) {
    entities.push({ type: SYSTEM_OBJECT, role: QUERY_ROLE, ...(type ? { description: `${call.interaction} ${type}` } : {}), query: Buffer.from(query ?? '', 'utf8').toString('base64') });
  }
  if (call.interaction === 'batch' || call.interaction === 'transaction') {
    const entries = (request.body as { entry?: unknown[] } | undefined)?.entry;
    entities.push({ type: SYSTEM_OBJECT, name: 'Bundle', description: `${call.interaction} of ${Array.isArray(entries) ? entries.length : 0} entries` });
  }
  if (call.conditional) entities.push({ type: SYSTEM_OBJECT, name: 'conditional', description: `conditional ${call.interaction}` });
  if (denial) {
    const detail = [{ type: 'access-rule', valueString: denial.rule }, { type: 'access-detail', valueString: denial.detail }];
    if (entities[0]) entities[0] = { ...entities[0], detail: [...(entities[0].detail ?? []), ...detail] };
    else entities.push({ type: SYSTEM_OBJECT, name: 'access decision', detail });
  }
  return entities;
}

function describe(request: AuditedRequest, reply: FastifyReply, filteredExists: boolean): AuditInput {
  const path = request.url.split('?')[0];
  const status = reply.statusCode;
  const base = path.startsWith('/fhir') ? path.slice('/fhir'.length) : undefined;
  const call: RestCall = base !== undefined
    ? classifyRest(request.method, base, request.url.includes('?'), request.body, request.headers)
    : { interaction: 'operation', action: 'E', hasQuery: false, conditional: false };
  let action: AuditAction = call.action;
  if (status === 201 && call.interaction === 'update') action = 'C'; // update-as-create
  const denial = status >= 400 ? denialOf(request, status, filteredExists) : undefined;
  const code = request.auditErrorCode;
  let outcomeDesc = status >= 400 ? `${status}${code ? ` ${code}` : ''}` : undefined;
  if (denial) outcomeDesc += `${DENIAL_SEPARATOR}${denial.rule}: ${denial.detail}`;
  const patients = new Set(request.access?.touched ?? []);
  const patient = request.principal?.patient;
  if (patient) patients.add(`Patient/${patient}`);
  const entities = entitiesOf(call, request, reply, denial);
  if (base === undefined) entities.unshift({ type: SYSTEM_OBJECT, name: path.slice(0, 200) });
  // The server's own request id (also in the X-Request-Id answer header and the server log), never a client's.
  entities.push({ what: { identifier: { system: REQUEST_ID_SYSTEM, value: request.id } }, type: REQUEST_ID_TYPE });
  return {
    type: REST_TYPE,
    subtype: [restSubtype(call.interaction)],
    action,
    outcome: outcomeOf(status),
    outcomeDesc,
    actor: actorOf(request),
    entities,
    patients,
  };
}

const EXISTS = 'SELECT 1 FROM resource WHERE resource_type = $1 AND id = $2';

/** Registers the hooks on every request under /fhir and /admin. */
export function auditFhirRequests(fastify: FastifyInstance, trail: AuditTrail, db: DatabaseSession): void {
  fastify.addHook('onSend', async (request: AuditedRequest, reply, payload) => {
    // The stable error code of a refusal, from the OperationOutcome about to be sent (small; errors only).
    if (reply.statusCode >= 400 && AUDITED.test(request.url)) {
      const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) && payload.length < 65536 ? payload.toString('utf8') : '';
      request.auditErrorCode = ERROR_CODE.exec(text.slice(0, 65536))?.[1];
    }
    return payload;
  });
  fastify.addHook('onResponse', async (request: AuditedRequest, reply) => {
    if (!AUDITED.test(request.url)) return;
    try {
      const lookup = request.access?.filteredLookup;
      if (reply.statusCode !== 404 || lookup === undefined || lookup.type === 'AuditEvent') {
        trail.record(describe(request, reply, lookup !== undefined));
        return;
      }
      // A 404 under a filter: whether the resource exists decides if the trail names a rule. Asked after the
      // answer went out, so the refused caller cannot time it. (AuditEvent's own reads mark existing ones only.)
      trail.recordLater(db.query(EXISTS, [lookup.type, lookup.id]).then((rows) => describe(request, reply, rows.length > 0)));
    } catch (err) {
      logger.error(`A request could not be described for the audit trail: ${(err as Error).message}`);
    }
  });
}
