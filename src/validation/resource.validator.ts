// Validates FHIR R4 resources (parsed JSON) against the base specification on every write. https://hl7.org/fhir/R4/validation.html
import { Injectable } from '@nestjs/common';
import { OperationOutcomeIssue } from '../outcome/operation-outcome';
import { BindingChecker } from './binding.checker';
import { Checkers, ElementWalker } from './element.walker';
import { ExtensionChecker } from './extension.checker';
import { IssueSink } from './issue.sink';
import { structureIndex } from './structure.index';

export { VALIDATION_ERROR_CODES } from './error-codes.constants';
export { SKIPPED_CONSTRAINTS } from './invariant.checker';

let checkers: Checkers | undefined;

/** Definitions and terminology are compiled on first use and then shared by all calls. */
function sharedCheckers(): Checkers {
  if (!checkers) {
    const index = structureIndex();
    checkers = { index, bindings: new BindingChecker(), extensions: new ExtensionChecker(index) };
  }
  return checkers;
}

/** All issues (errors and warnings) for one resource as parsed JSON; [] when valid. */
export function validateResource(resource: unknown): OperationOutcomeIssue[] {
  const sink = new IssueSink();
  const rt = (resource as { resourceType?: unknown } | null)?.resourceType;
  new ElementWalker(sharedCheckers(), sink).resource(resource, typeof rt === 'string' && /^[A-Z][A-Za-z]{0,63}$/.test(rt) ? rt : 'Resource');
  return sink.issues;
}

/** True when the issues contain an error or fatal issue. */
export function hasErrors(issues: readonly OperationOutcomeIssue[]): boolean {
  return issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
}

@Injectable()
export class ResourceValidator {
  /** All issues (errors and warnings) for one resource as parsed JSON; [] when valid. */
  validate(resource: unknown): OperationOutcomeIssue[] {
    return validateResource(resource);
  }
}
