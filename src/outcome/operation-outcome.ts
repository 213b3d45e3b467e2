// OperationOutcome shapes and the one error type the code throws. https://hl7.org/fhir/R4/operationoutcome.html
export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

/** The subset of the R4 issue-type value set this server emits. https://hl7.org/fhir/R4/valueset-issue-type.html */
export type IssueType =
  | 'invalid' | 'structure' | 'required' | 'value' | 'invariant' | 'security' | 'login' | 'forbidden'
  | 'processing' | 'not-supported' | 'duplicate' | 'not-found' | 'deleted' | 'too-long' | 'code-invalid'
  | 'conflict' | 'exception' | 'timeout' | 'throttled' | 'informational' | 'too-costly' | 'business-rule'
  | 'multiple-matches';

export const ERROR_CODE_SYSTEM = 'urn:fhir-server:error-code';

export interface OperationOutcomeIssue {
  severity: IssueSeverity;
  code: IssueType;
  details?: { coding?: { system: string; code: string }[]; text?: string };
  diagnostics?: string;
  expression?: string[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  id?: string;
  issue: OperationOutcomeIssue[];
}

/** Builds one issue whose details carry a stable, documented error code. */
export function issue(
  severity: IssueSeverity,
  code: IssueType,
  errorCode: string,
  text: string,
  expression?: string[],
): OperationOutcomeIssue {
  const built: OperationOutcomeIssue = {
    severity,
    code,
    details: { coding: [{ system: ERROR_CODE_SYSTEM, code: errorCode }], text },
  };
  if (expression && expression.length > 0) built.expression = expression;
  return built;
}

export function outcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** The only error type thrown for answers the client should see; carries its HTTP status and outcome. */
export class FhirError extends Error {
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly issues: OperationOutcomeIssue[],
    headers: Record<string, string> = {},
  ) {
    super(issues.map((i) => i.details?.text ?? i.diagnostics ?? i.code).join('; '));
    this.headers = headers;
  }

  static of(status: number, code: IssueType, errorCode: string, text: string, expression?: string[]): FhirError {
    return new FhirError(status, [issue('error', code, errorCode, text, expression)]);
  }

  get outcome(): OperationOutcome {
    return outcome(this.issues);
  }
}
