// read and search-type of AuditEvent, answered from the audit trail (the server writes AuditEvents; nobody else
// does) through the caller's access filter. Refusal details in a record are shown to administrators and backend
// services only; to patients and practitioners the record is served with them left out, marked REDACTED.
// https://hl7.org/fhir/R4/auditevent.html https://hl7.org/fhir/R4/http.html#read https://hl7.org/fhir/R4/search.html
import { Inject, Injectable } from '@nestjs/common';
import { AccessContext } from '../access/access-context';
import { practitionerPatientsSql } from '../access/practitioner-patients.sql';
import { SqlBuilder } from '../search/query/sql-builder';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { pageSize, pageUrl, Query, single } from '../interactions/paging';
import { Headers, strictHandling } from '../interactions/request-headers';
import { bundleText, BundleLink, outcomeEntry, searchEntry } from '../outcome/bundle.builder';
import { FhirResult, versionHeaders } from '../outcome/fhir-result';
import { FhirError, issue, outcome } from '../outcome/operation-outcome';
import { PageCursors } from '../search/page-cursor';
import { DatabaseSession } from '../storage/database-session';
import { StoredVersion } from '../storage/stored-resource';
import { auditPageStatement, auditReadStatement, AuditRow, AuditSearch, parseAuditSearch } from './audit-event.query';
import { PATIENT_ROLE, USER_SYSTEM } from './audit-codes';
import { DENIAL_SEPARATOR } from './fhir-request.audit';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const REDACTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'REDACTED', display: 'redacted' };
const DENIAL_DETAILS = new Set(['access-rule', 'access-detail']);

function stored(row: AuditRow, content: string): StoredVersion {
  return { resourceType: 'AuditEvent', id: row.id, versionId: 1, lastUpdated: row.recorded, deleted: false, content };
}

interface Shown {
  meta?: Record<string, unknown>;
  outcomeDesc?: string;
  agent?: { who?: { reference?: string }; altId?: string; name?: string; network?: unknown; policy?: unknown }[];
  entity?: { what?: { reference?: string }; role?: { system?: string; code?: string }; detail?: { type: string }[]; query?: string }[];
}

const isPatientEntity = (e: NonNullable<Shown['entity']>[number]) => e.role?.system === PATIENT_ROLE.system && e.role.code === PATIENT_ROLE.code;
const OTHER_PATIENT = 'another patient';

/** Which patients a caller may see named in a record ('Patient/<id>'); undefined: every one. */
type PatientsShown = ((key: string) => boolean) | undefined;

/**
 * The record as a patient or practitioner sees it: without the access rule that refused a request (the caller
 * of that request was not told it either) and without the patients it names that the caller may not see (as
 * entities, or as the user who acted): for a token confined to one patient, every other patient; for a
 * practitioner, those outside the practitioner's patients.
 */
function redacted(content: string, shows: PatientsShown): string {
  const event = JSON.parse(content) as Shown;
  if (event.outcomeDesc?.includes(DENIAL_SEPARATOR)) event.outcomeDesc = event.outcomeDesc.split(DENIAL_SEPARATOR)[0];
  if (shows !== undefined) {
    event.entity = (event.entity ?? []).filter((e) => !isPatientEntity(e) || shows(e.what?.reference ?? ''));
    const byOtherPatient = (event.agent ?? []).some((a) => a.who?.reference?.startsWith('Patient/') && !shows(a.who.reference));
    for (const agent of event.agent ?? []) {
      // Another patient's request: who they are, where from, with which token and what they asked are theirs.
      if (byOtherPatient) {
        delete agent.network;
        delete agent.policy;
      }
      const who = agent.who?.reference;
      if (who === undefined || !who.startsWith('Patient/') || shows(who)) continue;
      delete agent.who;
      delete agent.altId;
      agent.name = OTHER_PATIENT;
    }
    if (byOtherPatient) for (const entity of event.entity) delete entity.query;
  }
  for (const entity of event.entity ?? []) {
    if (!entity.detail?.some((d) => DENIAL_DETAILS.has(d.type))) continue;
    entity.detail = entity.detail.filter((d) => !DENIAL_DETAILS.has(d.type));
    if (entity.detail.length === 0) delete entity.detail;
  }
  if (event.entity?.length === 0) delete event.entity;
  // Every record a patient or practitioner sees is this view, marked alike whether or not anything was left
  // out, so the mark tells nothing (say, that a refused lookup hit a resource that exists).
  event.meta = { ...event.meta, security: [REDACTED] };
  return JSON.stringify(event);
}

/**
 * The search keys a patient or practitioner may match on: what its view of a record shows. Patients it may not
 * see are not matched, nor, for a token confined to one patient, users (who may be patients), so a search cannot
 * confirm who else is in a record.
 */
function confinedSearch(search: AuditSearch, shows: (key: string) => boolean, hideUsers: boolean): AuditSearch {
  const shownKey = (k: string) => (!k.startsWith('Patient/') || shows(k)) && !(hideUsers && k.startsWith(`${USER_SYSTEM}|`));
  return {
    ...search,
    patient: search.patient.map((keys) => keys.filter(shows)),
    agent: search.agent.map((keys) => keys.filter(shownKey)),
    entity: search.entity.map((keys) => keys.filter(shownKey)),
  };
}

/** The patient a token is confined to (patient/ scopes, no user/ ones), if it is. */
function confinedTo(access: AccessContext): string | undefined {
  const p = access.principal;
  return p?.patient !== undefined && !p.scopes.some((s) => s.startsWith('user/')) ? `Patient/${p.patient}` : undefined;
}

@Injectable()
export class AuditEventInteraction {
  constructor(
    private readonly db: DatabaseSession,
    private readonly cursors: PageCursors,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The patients a patient or practitioner may see named in a record (one query for a practitioner's). */
  private async patientsShown(access: AccessContext): Promise<PatientsShown> {
    const own = confinedTo(access);
    if (own !== undefined) return (key) => key === own;
    const p = access.principal;
    if (p?.role !== 'practitioner' || this.config.practitionerAccess.includes('all')) return undefined;
    const b = new SqlBuilder();
    const rows = await this.db.query<{ key: string }>(
      `SELECT unnest(${practitionerPatientsSql(b, p.fhirUser, new Set(this.config.practitionerAccess))}) AS key`, b.params);
    const reach = new Set(rows.map((r) => r.key));
    return (key) => reach.has(key);
  }

  private shown(access: AccessContext, row: AuditRow, shows: PatientsShown): string {
    const role = access.principal?.role;
    if (role !== 'patient' && role !== 'practitioner') return row.content; // administrators, backend services
    return redacted(row.content, shows);
  }

  /** The patients this read is about, for its own record: those the caller may see. */
  private touch(access: AccessContext, row: AuditRow, shows: PatientsShown): void {
    access.touch(shows === undefined ? row.compartments : row.compartments.filter(shows));
  }

  async read(access: AccessContext, id: string): Promise<FhirResult> {
    if (!ID.test(id)) throw FhirError.of(400, 'invalid', 'invalid-id', 'The id is not a valid FHIR id', ['id']);
    const { sql, params } = auditReadStatement(id, access.rowFilter('AuditEvent', 'r'));
    const [row] = await this.db.query<AuditRow>(sql, params);
    if (!row) {
      // For the trail's own record of this read: the record exists but the token does not reach it.
      const exists = auditReadStatement(id, undefined);
      if ((await this.db.query(exists.sql, exists.params)).length > 0) access.filteredLookup = { type: 'AuditEvent', id, permission: 'r' };
      throw FhirError.of(404, 'not-found', 'resource-not-found', `AuditEvent/${id} is not known`);
    }
    const shows = await this.patientsShown(access);
    this.touch(access, row, shows);
    const version = stored(row, this.shown(access, row, shows));
    return { status: 200, headers: versionHeaders(version), raw: version.content ?? undefined };
  }

  async search(access: AccessContext, query: Query, headers: Headers): Promise<FhirResult> {
    const base = this.config.fhirBaseUrl;
    const parsed = parseAuditSearch(query, base);
    const shows = await this.patientsShown(access);
    const search = shows === undefined ? parsed : confinedSearch(parsed, shows, confinedTo(access) !== undefined);
    if (search.unknown.length > 0 && strictHandling(headers)) {
      throw new FhirError(400, search.unknown.map((p) =>
        issue('error', 'not-supported', 'unknown-search-parameter', `Search parameter ${p} is not supported for AuditEvent`, [p])));
    }
    const count = pageSize(query, this.config.defaultPageSize, this.config.maxPageSize);
    const binding = this.binding(access, search);
    const rawCursor = single(query, '_cursor');
    const after = rawCursor === undefined ? undefined : (await this.cursors.decode(rawCursor, binding)).position.id;
    const rows = count === 0 ? [] : await this.page(access, search, count, after);
    const page = rows.slice(0, count);
    for (const row of page) this.touch(access, row, shows);

    const params: [string, string][] = [];
    for (const [name, raw] of Object.entries(query)) {
      if (raw === undefined || name === '_cursor' || search.unknown.includes(name)) continue;
      for (const v of Array.isArray(raw) ? raw : [raw]) params.push([name, v]);
    }
    const path = `${base}/AuditEvent`;
    const at = (cursor?: string) => pageUrl(path, cursor === undefined ? params : [...params, ['_cursor', cursor]]);
    const link: BundleLink[] = [{ relation: 'self', url: at(rawCursor) }, { relation: 'first', url: at() }];
    if (rows.length > count) {
      const next = await this.cursors.encode({ position: { id: page[page.length - 1].seq, values: [] }, backwards: false }, binding);
      link.push({ relation: 'next', url: at(next) });
    }
    const entries = page.map((row) => searchEntry(base, stored(row, this.shown(access, row, shows))));
    if (search.unknown.length > 0) {
      entries.push(outcomeEntry(outcome(search.unknown.map((p) =>
        issue('warning', 'not-supported', 'unknown-search-parameter', `Search parameter ${p} is not supported for AuditEvent and was ignored`, [p])))));
    }
    return { status: 200, raw: bundleText('searchset', link, entries) };
  }

  private page(access: AccessContext, search: AuditSearch, count: number, after?: string): Promise<AuditRow[]> {
    const { sql, params } = auditPageStatement(search, access.rowFilter('AuditEvent', 's'), count, after);
    return this.db.query<AuditRow>(sql, params);
  }

  /** A cursor is good only for the caller and the search that made it. */
  private binding(access: AccessContext, search: AuditSearch): string {
    const p = access.principal;
    return JSON.stringify(['AuditEvent', p?.subject ?? null, p?.clientId ?? null, p?.patient ?? null, search.patient, search.agent,
      search.entity, search.ids, search.date, search.ascending]);
  }
}
