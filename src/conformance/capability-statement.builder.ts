// Builds the CapabilityStatement from what is registered: never written by hand.
// https://hl7.org/fhir/R4/capabilitystatement.html
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppConfig, packageRoot } from '../config/app.config';
import { ConformanceRegistry, Interaction } from './conformance.registry';
import { SMART_CAPABILITIES } from '../smart/smart-capabilities';
import { AUDIT_SEARCH_PARAMETERS } from '../audit/audit-event.query';

const SERVER_NAME = 'FHIR Server';
const SERVER_VERSION = (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;

/** The search parameters of a type, as the search engine knows them. */
export interface SearchParamSource {
  all(type: string): { code: string; type: string; url: string; targets: string[] }[];
}

const INTERACTION_DOCS: Partial<Record<Interaction, string>> = {
  update: 'If-Match with a stale version answers 412',
  patch: 'JSON Patch (application/json-patch+json); the result is validated',
};

export function buildCapabilityStatement(
  registry: ConformanceRegistry,
  config: AppConfig,
  startedAt: Date,
  searchParams: SearchParamSource,
): Record<string, unknown> {
  const resource = registry.resourceTypes.map((type) => {
    const interactions = registry.interactions(type);
    const entry: Record<string, unknown> = {
      type,
      profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
      interaction: interactions
        .map((code) => (INTERACTION_DOCS[code] ? { code, documentation: INTERACTION_DOCS[code] } : { code })),
      versioning: 'versioned-update',
      readHistory: interactions.includes('vread'),
      updateCreate: config.updateCreate,
      conditionalCreate: interactions.includes('create'),
      conditionalRead: 'full-support',
      conditionalUpdate: interactions.includes('update'),
      conditionalDelete: !interactions.includes('delete') ? 'not-supported' : config.conditionalDeleteMultiple ? 'multiple' : 'single',
    };
    if (interactions.includes('search-type')) {
      // AuditEvent is searched in the audit trail, by its own few parameters and without includes.
      const audit = type === 'AuditEvent';
      const params = searchParams.all(type).filter((p) => !audit || AUDIT_SEARCH_PARAMETERS.includes(p.code));
      entry.searchParam = params.map((p) => ({ name: p.code, definition: p.url, type: p.type }));
      entry.searchInclude = audit ? [] : ['*', ...params.filter((p) => p.type === 'reference').map((p) => `${type}:${p.code}`)];
      entry.searchRevInclude = registry.resourceTypes.flatMap((source) =>
        searchParams.all(source).filter((p) => p.type === 'reference' && p.targets.includes(type)).map((p) => `${source}:${p.code}`));
    }
    return entry;
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: startedAt.toISOString(),
    publisher: SERVER_NAME,
    kind: 'instance',
    software: { name: SERVER_NAME, version: SERVER_VERSION },
    implementation: { description: 'FHIR R4 server', url: config.fhirBaseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: false,
          description: 'SMART App Launch 2.2: every interaction except reading this statement and the SMART configuration requires a bearer access token issued by the authorization server.',
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
          extension: [{
            url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
            extension: [
              { url: 'authorize', valueUri: `${config.publicUrl}/auth/authorize` },
              { url: 'token', valueUri: `${config.publicUrl}/auth/token` },
              { url: 'introspect', valueUri: `${config.publicUrl}/auth/token/introspection` },
              { url: 'revoke', valueUri: `${config.publicUrl}/auth/token/revocation` },
            ],
          }, ...SMART_CAPABILITIES.map((c) => ({ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities', valueCode: c }))],
        },
        resource,
        interaction: [
          { code: 'transaction', documentation: 'All or nothing; urn:uuid and conditional references resolved; JSON Patch entries as Binary' },
          { code: 'batch' },
          ...(registry.resourceTypes.some((t) => registry.supports(t, 'history-type')) ? [{ code: 'history-system' }] : []),
        ],
      },
    ],
  };
}
