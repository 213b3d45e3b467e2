// patch: PATCH [base]/[type]/[id] with a JSON Patch document (RFC 6902). https://hl7.org/fhir/R4/http.html#patch
import { Inject, Injectable } from '@nestjs/common';
import { applyPatch, Operation, validate as validatePatch } from 'fast-json-patch';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { FhirResult } from '../outcome/fhir-result';
import { FhirError } from '../outcome/operation-outcome';
import { ResourceRepository } from '../storage/resource.repository';
import { FhirResource, StoredVersion, withServerMeta } from '../storage/stored-resource';
import { gone, notFound, requireIfMatch, requireValidId } from './interaction-errors';
import { Headers, ifMatch } from './request-headers';
import { ResourceBodyChecker } from './resource-body';
import { sameContent } from './same-content';
import { writeResponse } from './write-response';

export const JSON_PATCH = 'application/json-patch+json';

function patchOperations(payload: unknown): Operation[] {
  if (!Array.isArray(payload)) {
    throw FhirError.of(400, 'structure', 'patch-not-array', 'A JSON Patch document must be a JSON array of operations');
  }
  const problem = validatePatch(payload as Operation[]);
  if (problem) throw FhirError.of(400, 'structure', 'patch-invalid', `Invalid JSON Patch operation: ${problem.name.toLowerCase()}`);
  return payload as Operation[];
}

function applyTo(current: StoredVersion, operations: Operation[]): FhirResource {
  const document = JSON.parse(current.content!) as FhirResource;
  try {
    return applyPatch(document, operations, true, true, true).newDocument as FhirResource;
  } catch (err) {
    const name = (err as { name?: string }).name;
    const text = name === 'TEST_OPERATION_FAILED' ? 'A JSON Patch test operation failed' : 'The JSON Patch cannot be applied to this resource';
    throw FhirError.of(422, 'processing', name === 'TEST_OPERATION_FAILED' ? 'patch-test-failed' : 'patch-not-applicable', text);
  }
}

@Injectable()
export class PatchInteraction {
  constructor(
    private readonly repository: ResourceRepository,
    private readonly body: ResourceBodyChecker,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(type: string, id: string, contentType: string | undefined, payload: unknown, headers: Headers): Promise<FhirResult> {
    requireValidId(id);
    if ((contentType ?? '').split(';')[0].trim().toLowerCase() !== JSON_PATCH) {
      throw FhirError.of(415, 'not-supported', 'patch-format-unsupported', `PATCH accepts ${JSON_PATCH} only`);
    }
    const operations = patchOperations(payload);
    const condition = ifMatch(headers);
    const { previous, stored } = await this.repository.modify(type, id, (current) => {
      requireIfMatch(condition, type, id, current);
      if (!current) throw notFound(type, id);
      if (current.deleted) throw gone(type, id);
      const patched = applyTo(current, operations);
      if (patched === null || typeof patched !== 'object' || patched.resourceType !== type || patched.id !== id) {
        throw FhirError.of(422, 'processing', 'patch-changes-identity', 'A patch must not change the resource type or id');
      }
      const candidate = withServerMeta(patched, id, current.versionId + 1, new Date());
      this.body.validate(candidate);
      // A patch that changes nothing makes no new version, like an update.
      if (sameContent(current.content!, candidate)) return null;
      return { resource: candidate, method: 'PATCH' };
    }, 'u', true);
    if (!stored) return { ...writeResponse(this.config.fhirBaseUrl, previous!, 200, headers, `${type}/${id} is unchanged; no new version`), unchanged: true };
    return writeResponse(this.config.fhirBaseUrl, stored, 200, headers, `Patched ${type}/${id}`);
  }
}
