// Unit tests: required bindings on code and CodeableConcept, and local value set expansion.
import { OperationOutcomeIssue } from '../outcome/operation-outcome';
import { validateResource } from './resource.validator';
import { ValueSetExpander } from './valueset.expander';

type Triple = [code: string, errorCode: string | undefined, expression: string | undefined];

const triple = (i: OperationOutcomeIssue): Triple => [i.code, i.details?.coding?.[0]?.code, i.expression?.[0]];
const narrative = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const errors = (resource: object): Triple[] =>
  validateResource({ text: narrative, ...resource }).filter((i) => i.severity === 'error').map(triple);

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const condition = (clinicalStatus: object): object => ({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, clinicalStatus });

describe('required bindings', () => {
  it('checks code elements against the value set', () => {
    expect(errors({ resourceType: 'Patient', gender: 'female' })).toEqual([]);
    expect(errors({ resourceType: 'Patient', gender: 'F' })).toEqual([['code-invalid', 'binding-required', 'Patient.gender']]);
    expect(errors({ resourceType: 'Patient', telecom: [{ system: 'phone', value: '1' }, { system: 'pigeon', value: '2' }] })).toEqual([
      ['code-invalid', 'binding-required', 'Patient.telecom[1].system'],
    ]);
  });

  it('names the code and the value set in the text', () => {
    const [issue] = validateResource({ resourceType: 'Observation', text: narrative, status: 'done', code: { text: 'x' } });
    expect(issue.details?.text).toBe("The code 'done' is not in the value set 'http://hl7.org/fhir/ValueSet/observation-status', which this element requires");
  });

  it('accepts a CodeableConcept with one coding from the value set among others', () => {
    const cc = { coding: [{ system: 'http://snomed.info/sct', code: '55561003' }, { system: CLINICAL, code: 'active' }] };
    expect(errors(condition(cc))).toEqual([]);
  });

  it.each([
    ['an unknown code of a system in the value set', { coding: [{ system: CLINICAL, code: 'bogus' }] }],
    ['codings only from other systems', { coding: [{ system: 'http://snomed.info/sct', code: '55561003' }] }],
    ['text only', { text: 'active' }],
  ])('rejects a CodeableConcept with %s', (_label, cc) => {
    expect(errors(condition(cc))).toEqual([['code-invalid', 'binding-required', 'Condition.clinicalStatus']]);
  });

  it('does not report bindings whose value set cannot be expanded locally (mime types, currencies)', () => {
    expect(errors({ resourceType: 'Patient', photo: [{ contentType: 'not/a-registered-type' }] })).toEqual([]);
    const claim = { resourceType: 'Account', status: 'active', extension: [{ url: 'http://example.org/x', valueMoney: { value: 1, currency: 'XXZ' } }] };
    expect(errors(claim)).toEqual([]);
  });

  it('checks codes in contained and bundled resources', () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520', resource: { resourceType: 'Patient', gender: 'x' } }] };
    const issues = validateResource(bundle).filter((i) => i.severity === 'error').map(triple);
    expect(issues).toEqual([['code-invalid', 'binding-required', 'Bundle.entry[0].resource.gender']]);
  });
});

describe('ValueSetExpander', () => {
  const expander = new ValueSetExpander();

  it('expands a whole code system, ignoring the version suffix', () => {
    const exp = expander.expand('http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1');
    expect([...(exp?.get('http://hl7.org/fhir/administrative-gender') ?? [])].sort()).toEqual(['female', 'male', 'other', 'unknown']);
  });

  it('follows valueSet imports', () => {
    const exp = expander.expand('http://hl7.org/fhir/ValueSet/event-or-request-resource-types');
    expect(exp?.get('http://hl7.org/fhir/event-resource-types')?.has('Observation')).toBe(true);
    expect(exp?.get('http://hl7.org/fhir/request-resource-types')?.has('ServiceRequest')).toBe(true);
  });

  it('includes nested concepts of hierarchical code systems', () => {
    const exp = expander.expand('http://hl7.org/fhir/ValueSet/condition-clinical');
    expect(exp?.get(CLINICAL)?.has('recurrence')).toBe(true); // child of 'active'
  });

  it('returns null for unknown value sets, filters and code systems not published in full', () => {
    expect(expander.expand('http://example.org/ValueSet/none')).toBeNull();
    expect(expander.expand('http://hl7.org/fhir/ValueSet/use-context')).toBeNull();
    expect(expander.expand('http://hl7.org/fhir/ValueSet/mimetypes')).toBeNull();
  });

  it('returns the cached expansion on repeated calls', () => {
    const url = 'http://hl7.org/fhir/ValueSet/observation-status';
    expect(expander.expand(url)).toBe(expander.expand(url));
  });
});
