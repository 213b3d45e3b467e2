// The stable error codes the resource validator puts in OperationOutcome.issue.details (system ERROR_CODE_SYSTEM).
import { IssueType } from '../outcome/operation-outcome';

interface ErrorCodeDoc {
  /** The OperationOutcome issue type reported with this code. */
  readonly issueType: IssueType;
  /** What the code means, for API documentation. */
  readonly meaning: string;
}

/** Every error code validate() can emit; clients may rely on these strings. */
export const VALIDATION_ERROR_CODES = {
  'not-an-object': { issueType: 'structure', meaning: 'A resource or complex element is not a JSON object.' },
  'missing-resource-type': { issueType: 'required', meaning: 'A resource has no resourceType property.' },
  'unknown-resource-type': { issueType: 'not-supported', meaning: 'resourceType is not a concrete FHIR R4 resource type.' },
  'unknown-element': { issueType: 'structure', meaning: 'A property is not defined for the element (includes fhir_comments and unknown choice suffixes).' },
  'cardinality-min': { issueType: 'required', meaning: 'A required element is missing.' },
  'cardinality-max': { issueType: 'structure', meaning: 'An element occurs more often than allowed, or several choice variants are present.' },
  'not-an-array': { issueType: 'structure', meaning: 'A single-valued element was given as a JSON array.' },
  'expected-array': { issueType: 'structure', meaning: 'A repeating element was not given as a JSON array.' },
  'empty-array': { issueType: 'structure', meaning: 'An array is empty; absent elements must be omitted.' },
  'null-value': { issueType: 'structure', meaning: 'null where a value is required (nulls are only allowed in parallel primitive arrays).' },
  'empty-element': { issueType: 'invariant', meaning: 'ele-1: an element has neither a value nor children.' },
  'wrong-type': { issueType: 'structure', meaning: 'The JSON type does not match the datatype (object vs primitive, string vs number vs boolean).' },
  'invalid-primitive': { issueType: 'value', meaning: 'A primitive value does not match the lexical rules of its datatype.' },
  'invalid-date': { issueType: 'value', meaning: 'A date, dateTime or instant names a day that does not exist.' },
  'out-of-range': { issueType: 'value', meaning: 'An integer is outside the range of its datatype.' },
  'empty-string': { issueType: 'value', meaning: 'A string value is empty.' },
  'whitespace-string': { issueType: 'value', meaning: 'Warning: a string value consists of whitespace only.' },
  'illegal-characters': { issueType: 'value', meaning: 'Warning: a string contains control characters other than tab, CR and LF.' },
  'string-too-long': { issueType: 'too-long', meaning: 'A string is longer than 1 MB.' },
  'invalid-base64': { issueType: 'value', meaning: 'A base64Binary value is not valid base64.' },
  'invalid-id': { issueType: 'value', meaning: 'Resource.id does not match [A-Za-z0-9\\-\\.]{1,64}.' },
  'resource-id-extension': { issueType: 'structure', meaning: 'Resource.id carries extensions, which are not allowed.' },
  'primitive-extension-mismatch': { issueType: 'structure', meaning: 'A primitive and its _element sibling disagree in shape or array length.' },
  'binding-required': { issueType: 'code-invalid', meaning: 'A code is not in the value set of a required binding.' },
  'invariant-failed': { issueType: 'invariant', meaning: 'A FHIRPath constraint (error or warning severity) is not met; the text names its key.' },
  'narrative-malformed': { issueType: 'invalid', meaning: 'Narrative.div is not well-formed XHTML.' },
  'narrative-namespace': { issueType: 'invalid', meaning: 'Narrative.div is not a div element in the XHTML namespace.' },
  'narrative-element-not-allowed': { issueType: 'security', meaning: 'txt-1: the narrative uses an element outside the allowed HTML subset (script, iframe, form, ...).' },
  'narrative-attribute-not-allowed': { issueType: 'security', meaning: 'txt-1: the narrative uses a disallowed attribute (event handlers on*, ...).' },
  'narrative-unsafe-url': { issueType: 'security', meaning: 'txt-1: a link, image or style uses a script URL (javascript:, vbscript:, ...).' },
  'narrative-empty': { issueType: 'invariant', meaning: 'txt-2: the narrative has no non-whitespace content.' },
  'extension-context': { issueType: 'structure', meaning: 'A core extension is used on an element its definition does not allow.' },
  'extension-value-type': { issueType: 'structure', meaning: 'A core extension has a value of a type its definition does not allow.' },
  'nesting-too-deep': { issueType: 'too-costly', meaning: 'Elements are nested more than 100 levels deep; deeper content is not checked.' },
  'bundle-fullurl-not-absolute': { issueType: 'invalid', meaning: 'Bundle.entry.fullUrl is not an absolute URL.' },
  'bundle-duplicate-link': { issueType: 'invalid', meaning: 'A Bundle link relation occurs more than once.' },
  'bundle-ambiguous-reference': { issueType: 'invalid', meaning: 'A reference inside a Bundle matches more than one entry.' },
  'bundle-unresolved-version': { issueType: 'not-found', meaning: 'A version-specific reference names a bundled resource but no entry has that version.' },
} as const satisfies Record<string, ErrorCodeDoc>;

export type ValidationErrorCode = keyof typeof VALIDATION_ERROR_CODES;
