// Collects validation issues for one validate() call, mapping each error code to its documented issue type.
import { issue, IssueSeverity, OperationOutcomeIssue } from '../outcome/operation-outcome';
import { VALIDATION_ERROR_CODES, ValidationErrorCode } from './error-codes.constants';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON kind of a value, for messages ("an array", "a string", "null"). */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export class IssueSink {
  readonly issues: OperationOutcomeIssue[] = [];

  error(errorCode: ValidationErrorCode, text: string, path: string): void {
    this.add('error', errorCode, text, path);
  }

  warning(errorCode: ValidationErrorCode, text: string, path: string): void {
    this.add('warning', errorCode, text, path);
  }

  add(severity: IssueSeverity, errorCode: ValidationErrorCode, text: string, path: string): void {
    this.issues.push(issue(severity, VALIDATION_ERROR_CODES[errorCode].issueType, errorCode, text, [path]));
  }
}

/** The resource whose elements are being walked; `env` holds FHIRPath's %resource and %rootResource. */
export interface ResourceScope {
  readonly resource: JsonObject;
  readonly rootResource: JsonObject;
  readonly env: { readonly resource: JsonObject; readonly rootResource: JsonObject };
}

export function resourceScope(resource: JsonObject, rootResource: JsonObject): ResourceScope {
  return { resource, rootResource, env: { resource, rootResource } };
}
