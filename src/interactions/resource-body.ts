// Checks that a request body is a resource of the URL's type and valid against the R4 definitions.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { FhirError } from '../outcome/operation-outcome';
import { FhirResource } from '../storage/stored-resource';
import { hasErrors, ResourceValidator } from '../validation/resource.validator';

const RESOURCE_MEDIA_TYPES = ['application/fhir+json', 'application/json'];

@Injectable()
export class ResourceBodyChecker implements OnModuleInit {
  constructor(private readonly validator: ResourceValidator) {}

  /** Loads the R4 definitions at start rather than on the first write (about 0.4 s). */
  onModuleInit(): void {
    this.validator.validate({ resourceType: 'Patient' });
  }

  /** The body as a resource of `type`, or a 400 (415 for another media type) that says why not. */
  resource(body: unknown, type: string, contentType: string | undefined): FhirResource {
    const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
    if (body !== undefined && !RESOURCE_MEDIA_TYPES.includes(mediaType)) {
      throw FhirError.of(415, 'not-supported', 'unsupported-media-type', 'Send the resource as application/fhir+json or application/json');
    }
    if (body === undefined || body === null) {
      throw FhirError.of(400, 'required', 'body-required', 'A resource is required in the request body');
    }
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw FhirError.of(400, 'structure', 'body-not-resource', 'The request body must be a JSON object holding a resource');
    }
    const resourceType = (body as { resourceType?: unknown }).resourceType;
    if (resourceType !== type) {
      throw FhirError.of(400, 'invalid', 'resource-type-mismatch',
        `The resource's resourceType (${typeof resourceType === 'string' ? resourceType : 'missing'}) does not match the URL (${type})`,
        ['resourceType']);
    }
    return body as FhirResource;
  }

  /** Validates a resource as it will be stored; any error-level issue is a 400 listing every issue. */
  validate(resource: FhirResource): void {
    const issues = this.validator.validate(resource);
    if (hasErrors(issues)) {
      throw new FhirError(400, issues);
    }
  }
}
