// Runs one Bundle entry through the same interaction classes as the REST routes, with the entry's request
// fields as the conditional headers. https://hl7.org/fhir/R4/bundle.html#request
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../../config/app.config';
import { Interaction } from '../../conformance/conformance.registry';
import { ResourceTypeGate } from '../../conformance/resource-type.gate';
import { parseJsonBody } from '../../http/json-body.parser';
import { FhirResult } from '../../outcome/fhir-result';
import { FhirError } from '../../outcome/operation-outcome';
import { FhirResource } from '../../storage/stored-resource';
import { AccessScope } from '../../access/access-scope';
import { AccessRule, PERMISSIONS } from '../../access/interaction-permissions';
import { AuditEventInteraction } from '../../audit/audit-event.interaction';
import { criteriaFromQuery } from '../conditional-criteria';
import { ConditionalDeleteInteraction } from '../conditional-delete.interaction';
import { ConditionalUpdateInteraction } from '../conditional-update.interaction';
import { CreateInteraction } from '../create.interaction';
import { DeleteInteraction } from '../delete.interaction';
import { HistoryInteraction } from '../history.interaction';
import { JSON_PATCH, PatchInteraction } from '../patch.interaction';
import { ReadInteraction } from '../read.interaction';
import { Headers } from '../request-headers';
import { SearchTypeInteraction } from '../search-type.interaction';
import { UpdateInteraction } from '../update.interaction';
import { VreadInteraction } from '../vread.interaction';
import { BundleEntry } from './bundle-entries';

function unsupported(e: BundleEntry, text: string): FhirError {
  return FhirError.of(400, 'not-supported', 'bundle-entry-unsupported', text, [`Bundle.entry[${e.index}].request`]);
}

/** The entry's request fields as the headers the interactions read. */
function entryHeaders(e: BundleEntry, prefer: string): Headers {
  const headers: Headers = { 'content-type': 'application/fhir+json', prefer };
  if (e.ifMatch !== undefined) headers['if-match'] = e.ifMatch;
  if (e.ifNoneMatch !== undefined) headers['if-none-match'] = e.ifNoneMatch;
  if (e.ifNoneExist !== undefined) headers['if-none-exist'] = e.ifNoneExist;
  if (e.ifModifiedSince !== undefined) headers['if-modified-since'] = e.ifModifiedSince;
  return headers;
}

@Injectable()
export class BundleEntryRunner {
  constructor(
    private readonly gate: ResourceTypeGate,
    private readonly read: ReadInteraction,
    private readonly vread: VreadInteraction,
    private readonly create: CreateInteraction,
    private readonly update: UpdateInteraction,
    private readonly conditionalUpdate: ConditionalUpdateInteraction,
    private readonly patch: PatchInteraction,
    private readonly remove: DeleteInteraction,
    private readonly conditionalDelete: ConditionalDeleteInteraction,
    private readonly history: HistoryInteraction,
    private readonly search: SearchTypeInteraction,
    private readonly auditEvents: AuditEventInteraction,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `prefer`: the Prefer value every write entry answers by (return=minimal unless the request said otherwise). */
  async run(e: BundleEntry, prefer: string): Promise<FhirResult> {
    if (e.error) throw e.error;
    const headers = entryHeaders(e, prefer);
    const type = e.type!;
    const allow = (interaction: Interaction, rule: AccessRule = interaction as AccessRule) => this.allow(type, interaction, rule, e.ifNoneExist !== undefined);
    switch (e.method) {
      case 'GET':
      case 'HEAD': {
        const result = await this.get(e, headers);
        return e.method === 'HEAD' ? { ...result, raw: undefined, body: undefined } : result;
      }
      case 'POST':
        if (e.target !== 'type' || e.hasQuery) throw unsupported(e, 'POST entries create: their url is a resource type (POST _search is not supported in a Bundle)');
        allow('create');
        return this.create.execute(type, e.resource, headers, e.assignedId);
      case 'PUT':
        if (e.target === 'instance') {
          allow('update');
          return this.update.execute(type, e.id!, e.resource, headers);
        }
        if (e.target === 'type' && e.hasQuery) {
          allow('update', 'conditional-update');
          return this.conditionalUpdate.execute(type, criteriaFromQuery(e.query, 'The conditional update'), e.resource, headers, e.assignedId);
        }
        throw unsupported(e, 'PUT entries address a resource (Type/id) or carry criteria (Type?search)');
      case 'PATCH':
        if (e.target !== 'instance') throw unsupported(e, 'PATCH entries address a resource (Type/id); conditional patch is not supported');
        allow('patch');
        return this.patch.execute(type, e.id!, JSON_PATCH, this.jsonPatch(e), headers);
      case 'DELETE':
        if (e.target === 'instance') {
          allow('delete');
          return this.remove.execute(type, e.id!, headers);
        }
        if (e.target === 'type' && e.hasQuery) {
          allow('delete', 'conditional-delete');
          return this.conditionalDelete.execute(type, criteriaFromQuery(e.query, 'The conditional delete'), headers);
        }
        throw unsupported(e, 'DELETE entries address a resource (Type/id) or carry criteria (Type?search)');
    }
  }

  /** The same decision the access guard makes for a route, made for one entry: type served, scopes granted. */
  private allow(type: string, interaction: Interaction, rule: AccessRule, conditional = false): void {
    this.gate.require(type, interaction);
    const permissions = [...PERMISSIONS[rule as keyof typeof PERMISSIONS]];
    if (rule === 'create' && conditional) permissions.push('s');
    AccessScope.current().require(type, permissions);
  }

  private get(e: BundleEntry, headers: Headers): Promise<FhirResult> {
    const type = e.type!;
    switch (e.target) {
      case 'system-history':
        return this.history.execute(e.query);
      case 'type':
        this.allow(type, 'search-type', 'search-type');
        // AuditEvents live in the audit trail, not in the resource store: the same answer as at their own route.
        if (type === 'AuditEvent') return this.auditEvents.search(AccessScope.current(), e.query, headers);
        return this.search.execute(type, e.query, headers, AccessScope.current().principal);
      case 'type-history':
        this.allow(type, 'history-type', 'history-type');
        return this.history.execute(e.query, type);
      case 'instance':
        this.allow(type, 'read', 'read');
        if (type === 'AuditEvent') return this.auditEvents.read(AccessScope.current(), e.id!);
        return this.read.execute(type, e.id!, headers);
      case 'instance-history':
        this.allow(type, 'history-instance', 'history-instance');
        return this.history.execute(e.query, type, e.id);
      case 'version':
        this.allow(type, 'vread', 'vread');
        return this.vread.execute(type, e.id!, e.vid!, headers);
    }
  }

  /** R4 carries a JSON Patch in a transaction as a Binary resource: https://hl7.org/fhir/R4/http.html#patch */
  private jsonPatch(e: BundleEntry): unknown {
    const binary = e.resource as (FhirResource & { contentType?: unknown; data?: unknown }) | undefined;
    const contentType = typeof binary?.contentType === 'string' ? binary.contentType.split(';')[0].trim().toLowerCase() : '';
    if (binary?.resourceType !== 'Binary' || contentType !== JSON_PATCH || typeof binary.data !== 'string') {
      throw FhirError.of(400, 'not-supported', 'patch-format-unsupported',
        `A PATCH entry carries its JSON Patch as a Binary resource with contentType ${JSON_PATCH} and the patch in data (base64); FHIRPath Patch is not supported`,
        [`Bundle.entry[${e.index}].resource`]);
    }
    return parseJsonBody(Buffer.from(binary.data, 'base64').toString('utf8'), this.config.jsonMaxDepth);
  }
}
