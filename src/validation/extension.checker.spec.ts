// Unit tests: context and value type of the core R4 extensions; unknown extensions are accepted.
import { OperationOutcomeIssue } from '../outcome/operation-outcome';
import { validateResource } from './resource.validator';

type Triple = [code: string, errorCode: string | undefined, expression: string | undefined];

const triple = (i: OperationOutcomeIssue): Triple => [i.code, i.details?.coding?.[0]?.code, i.expression?.[0]];
const narrative = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const errors = (resource: object): Triple[] =>
  validateResource({ text: narrative, ...resource }).filter((i) => i.severity === 'error').map(triple);

const SD = 'http://hl7.org/fhir/StructureDefinition/';
const MOTHERS_FAMILY = { url: `${SD}humanname-mothers-family`, valueString: 'Garcia' };

describe('core extensions', () => {
  it('accepts core extensions in their context with an allowed value type', () => {
    expect(errors({ resourceType: 'Patient', name: [{ family: 'Lopez', _family: { extension: [MOTHERS_FAMILY] } }] })).toEqual([]);
    expect(errors({ resourceType: 'Patient', extension: [{ url: `${SD}patient-birthPlace`, valueAddress: { city: 'X' } }] })).toEqual([]);
    expect(errors({ resourceType: 'Patient', _birthDate: { extension: [{ url: `${SD}data-absent-reason`, valueCode: 'unknown' }] } })).toEqual([]);
  });

  it('matches contexts by ancestor type and by backbone path', () => {
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'c' } };
    const uncertainty = { url: `${SD}iso21090-uncertainty`, valueDecimal: 0.1 };
    expect(errors({ ...obs, valueQuantity: { value: 1, extension: [uncertainty] } })).toEqual([]);
    expect(errors({ ...obs, extension: [{ url: `${SD}resource-pertainsToGoal`, valueReference: { reference: 'Goal/1' } }] })).toEqual([]);
    const offset = { url: `${SD}observation-timeOffset`, valueInteger: 5 };
    expect(errors({ ...obs, component: [{ code: { text: 'x' }, valueString: 'y', extension: [offset] }] })).toEqual([]);
    expect(errors({ ...obs, extension: [offset] })).toEqual([['structure', 'extension-context', 'Observation.extension[0]']]);
  });

  it('rejects a core extension used outside its context', () => {
    expect(errors({ resourceType: 'Patient', name: [{ family: 'Lopez', extension: [MOTHERS_FAMILY] }] })).toEqual([
      ['structure', 'extension-context', 'Patient.name[0].extension[0]'],
    ]);
  });

  it('rejects a value type the definition does not allow', () => {
    expect(errors({ resourceType: 'Patient', extension: [{ url: `${SD}patient-birthPlace`, valueString: 'X' }] })).toEqual([
      ['structure', 'extension-value-type', 'Patient.extension[0]'],
    ]);
    const link = { resourceType: 'Basic', code: { text: 'x' }, extension: [{ url: `${SD}narrativeLink`, valueUri: 'urn:x' }] };
    expect(errors(link)).toEqual([['structure', 'extension-value-type', 'Basic.extension[0]']]);
  });

  it('rejects a value on a complex core extension', () => {
    expect(errors({ resourceType: 'Patient', extension: [{ url: `${SD}patient-nationality`, valueString: 'X' }] })).toEqual([
      ['structure', 'extension-value-type', 'Patient.extension[0]'],
    ]);
  });

  it('accepts extensions that are not defined by the core spec, on any element', () => {
    const other = { url: 'http://example.org/fhir/StructureDefinition/anything', valueBoolean: true };
    expect(errors({ resourceType: 'Patient', extension: [other], name: [{ extension: [other], _given: [{ extension: [other] }] }] })).toEqual([]);
  });

  it('requires Extension.url and exactly one of value[x] and extension (ext-1)', () => {
    expect(errors({ resourceType: 'Patient', extension: [{ valueString: 'x' }] })).toEqual([['required', 'cardinality-min', 'Patient.extension[0].url']]);
    expect(errors({ resourceType: 'Patient', modifierExtension: [{ url: 'http://example.org/m' }] })).toEqual([
      ['invariant', 'invariant-failed', 'Patient.modifierExtension[0]'],
    ]);
  });
});
