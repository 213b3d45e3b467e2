// Unit tests: resource types, unknown elements, _element siblings, contentReference and cardinality.
import { Test } from '@nestjs/testing';
import { OperationOutcomeIssue } from '../outcome/operation-outcome';
import { hasErrors, ResourceValidator, validateResource } from './resource.validator';
import { structureIndex } from './structure.index';
import { TypeDef } from './type.compiler';

type Triple = [code: string, errorCode: string | undefined, expression: string | undefined];

const triple = (i: OperationOutcomeIssue): Triple => [i.code, i.details?.coding?.[0]?.code, i.expression?.[0]];
/** The error-level issues of a resource as [issue code, error code, expression]. */
const errors = (resource: unknown): Triple[] => validateResource(resource).filter((i) => i.severity === 'error').map(triple);

const narrative = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };

describe('ResourceValidator', () => {
  it('is a Nest provider without constructor dependencies', async () => {
    const module = await Test.createTestingModule({ providers: [ResourceValidator] }).compile();
    const validator = module.get(ResourceValidator);
    expect(validator.validate({ resourceType: 'Patient', text: narrative })).toEqual([]);
    expect(validator.validate({ resourceType: 'Patient', text: narrative, foo: 1 })).toHaveLength(1);
  });

  it('returns [] for a valid resource and reports issues with the error-code system', () => {
    expect(validateResource({ resourceType: 'Patient', id: 'a1', text: narrative, gender: 'male' })).toEqual([]);
    const [issue] = validateResource({ resourceType: 'Patient', text: narrative, foo: true });
    expect(issue).toEqual({
      severity: 'error',
      code: 'structure',
      details: { coding: [{ system: 'urn:fhir-server:error-code', code: 'unknown-element' }], text: "Unknown element 'foo' in type Patient" },
      expression: ['Patient.foo'],
    });
    expect(hasErrors([issue])).toBe(true);
  });

  it('does not modify the resource it validates', () => {
    const resource = { resourceType: 'Patient', name: [{ given: ['a'], period: { start: '2020', end: '2021' } }], text: narrative };
    const before = JSON.stringify(resource);
    validateResource(resource);
    expect(JSON.stringify(resource)).toBe(before);
    expect(Object.getOwnPropertyNames(resource.name[0])).toEqual(['given', 'period']);
  });
});

describe('resource types', () => {
  it.each([
    ['not an object', [1], [['structure', 'not-an-object', 'Resource']]],
    ['missing resourceType', { id: 'x' }, [['required', 'missing-resource-type', 'Resource']]],
    ['unknown resourceType', { resourceType: 'Foo' }, [['not-supported', 'unknown-resource-type', 'Foo.resourceType']]],
    ['abstract type', { resourceType: 'DomainResource' }, [['not-supported', 'unknown-resource-type', 'DomainResource.resourceType']]],
    ['R4B-only type', { resourceType: 'SubscriptionStatus' }, [['not-supported', 'unknown-resource-type', 'SubscriptionStatus.resourceType']]],
  ])('%s', (_label, resource, expected) => {
    expect(errors(resource)).toEqual(expected);
  });

  it('validates contained resources as their declared type', () => {
    const patient = {
      resourceType: 'Patient', text: narrative,
      contained: [{ resourceType: 'Organization', id: 'o1', name: 'x', bogus: 1 }, { resourceType: 'Nope', id: 'n' }],
      managingOrganization: { reference: '#o1' },
      generalPractitioner: [{ reference: '#n' }],
    };
    expect(errors(patient)).toEqual([
      ['structure', 'unknown-element', 'Patient.contained[0].bogus'],
      ['not-supported', 'unknown-resource-type', 'Patient.contained[1].resourceType'],
    ]);
  });

  it('names elements with FHIRPath-style paths and indexes', () => {
    const patient = (i: number): object => ({ fullUrl: `urn:uuid:c757873d-ec9a-4326-a141-55600000000${i}`, resource: { resourceType: 'Patient', text: narrative } });
    const obs = { resourceType: 'Observation', text: narrative, status: 'final', code: 'abc', valueQuantity: { value: '1' } };
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [patient(0), patient(1), { fullUrl: 'urn:uuid:c757873d-ec9a-4326-a141-556000000002', resource: obs }] };
    expect(errors(bundle)).toEqual([
      ['structure', 'wrong-type', 'Bundle.entry[2].resource.code'],
      ['structure', 'wrong-type', 'Bundle.entry[2].resource.valueQuantity.value'],
    ]);
  });

  it('validates Bundle.entry.resource and Parameters.parameter.resource recursively', () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Observation', status: 'final' } }] };
    expect(errors(bundle)).toEqual([['required', 'cardinality-min', 'Bundle.entry[0].resource.code']]);
    const params = { resourceType: 'Parameters', parameter: [{ name: 'p', resource: { resourceType: 'Patient', gender: 1 } }] };
    expect(errors(params)).toEqual([['structure', 'wrong-type', 'Parameters.parameter[0].resource.gender']]);
  });
});

describe('unknown elements', () => {
  it.each([
    ['a property not defined at the path', { name: [{ famly: 'x' }] }, 'Patient.name[0].famly'],
    ['fhir_comments', { fhir_comments: ['x'] }, 'Patient.fhir_comments'],
    ['a choice with a type it does not permit', { deceasedString: 'x' }, 'Patient.deceasedString'],
    ['a choice without suffix', { deceased: true }, 'Patient.deceased'],
    ['an _element sibling of a complex element', { _name: [{}] }, 'Patient._name'],
    ['resourceType inside a datatype', { name: [{ resourceType: 'HumanName', family: 'x' }] }, 'Patient.name[0].resourceType'],
    ['an unknown property inside _element', { birthDate: '2000', _birthDate: { value: 'x' } }, 'Patient.birthDate.value'],
  ])('rejects %s', (_label, props, expression) => {
    expect(errors({ resourceType: 'Patient', text: narrative, ...props })).toEqual([['structure', 'unknown-element', expression]]);
  });

  it('accepts every permitted choice suffix', () => {
    for (const value of [{ valueQuantity: { value: 1 } }, { valueString: 'a' }, { valueBoolean: false }, { valueDateTime: '2020' }]) {
      expect(errors({ resourceType: 'Observation', text: narrative, status: 'final', code: { text: 'c' }, ...value })).toEqual([]);
    }
  });

  it('rejects two variants of one choice element', () => {
    const obs = { resourceType: 'Observation', status: 'final', code: { text: 'c' }, valueString: 'a', valueBoolean: true };
    expect(errors(obs)).toEqual([['structure', 'cardinality-max', 'Observation.valueBoolean']]);
  });
});

describe('primitive _element siblings', () => {
  const patient = (props: object): object => ({ resourceType: 'Patient', text: narrative, ...props });

  it('accepts an extension-only primitive and parallel arrays with nulls', () => {
    const ext = { extension: [{ url: 'http://example.org/x', valueString: 'y' }] };
    expect(errors(patient({ _birthDate: ext }))).toEqual([]);
    expect(errors(patient({ name: [{ given: ['a', null], _given: [null, ext] }] }))).toEqual([]);
    expect(errors(patient({ birthDate: '2000', _birthDate: { id: 'b1' } }))).toEqual([]);
  });

  it('rejects arrays of different lengths and items that are null in both', () => {
    expect(errors(patient({ name: [{ given: ['a'], _given: [{ id: 'test' }, null] }] }))).toEqual([
      ['structure', 'primitive-extension-mismatch', 'Patient.name[0].given'],
      ['structure', 'null-value', 'Patient.name[0].given[1]'],
    ]);
  });

  it('rejects _element siblings of the wrong shape', () => {
    expect(errors(patient({ birthDate: '2000', _birthDate: 'x' }))).toEqual([['structure', 'wrong-type', 'Patient.birthDate']]);
    expect(errors(patient({ name: [{ given: ['a'], _given: { id: 'x' } }] }))).toEqual([
      ['structure', 'primitive-extension-mismatch', 'Patient.name[0].given'],
    ]);
    expect(errors(patient({ _birthDate: {} }))).toEqual([['invariant', 'empty-element', 'Patient.birthDate']]);
  });

  it('rejects extensions on Resource.id', () => {
    const ext = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }] };
    expect(errors(patient({ id: 'p1', _id: ext }))).toEqual([['structure', 'resource-id-extension', 'Patient.id']]);
  });
});

describe('contentReference elements', () => {
  it('resolves Questionnaire.item.item to Questionnaire.item at any depth', () => {
    const leaf = { linkId: '1.1.1', type: 'display', text: 'x', bogus: true };
    const q = { resourceType: 'Questionnaire', text: narrative, status: 'draft', item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'group', item: [leaf] }] }] };
    expect(errors(q)).toEqual([['structure', 'unknown-element', 'Questionnaire.item[0].item[0].item[0].bogus']]);
  });

  it('resolves Bundle.entry.link to Bundle.link', () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ link: [{ relation: 'self' }], resource: { resourceType: 'Basic', code: { text: 'x' } } }] };
    expect(errors(bundle)).toEqual([['required', 'cardinality-min', 'Bundle.entry[0].link[0].url']]);
  });
});

describe('definitions', () => {
  it('resolves every contentReference of every R4 resource', () => {
    const index = structureIndex();
    const unresolved: string[] = [];
    const seen = new Set<TypeDef>();
    const visit = (type: TypeDef): void => {
      if (seen.has(type)) return;
      seen.add(type);
      for (const el of type.elements) {
        if (el.backbone) visit(el.backbone);
        else if (el.types.length === 0) unresolved.push(el.path);
      }
    };
    for (const name of index.resourceTypeNames()) visit(index.getType(name) as TypeDef);
    expect(index.resourceTypeNames()).toHaveLength(146); // the R4 resource list; R4B's SubscriptionStatus is excluded
    expect(unresolved).toEqual([]);
  });

  it('stops at an absurd nesting depth with an issue instead of overflowing the stack', () => {
    let item: Record<string, unknown> = { linkId: 'leaf', type: 'display', text: 'x' };
    for (let i = 0; i < 300; i++) item = { linkId: `l${i}`, type: 'group', item: [item] };
    const issues = validateResource({ resourceType: 'Questionnaire', text: narrative, status: 'draft', item: [item] });
    expect(issues.map((i) => i.details?.coding?.[0]?.code)).toEqual(['nesting-too-deep']);
  });
});

describe('cardinality', () => {
  const obs = (props: object): object => ({ resourceType: 'Observation', text: narrative, status: 'final', code: { text: 'c' }, ...props });

  it('reports missing required elements, including inside a present backbone element', () => {
    expect(errors({ resourceType: 'Observation', text: narrative })).toEqual([
      ['required', 'cardinality-min', 'Observation.status'],
      ['required', 'cardinality-min', 'Observation.code'],
    ]);
    expect(errors(obs({ component: [{ valueString: 'x' }] }))).toEqual([['required', 'cardinality-min', 'Observation.component[0].code']]);
    expect(errors({ resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/1' } })).toEqual([
      ['required', 'cardinality-min', 'MedicationRequest.medication'],
    ]);
  });

  it.each([
    ['an array for a single element', { subject: [{ reference: 'Patient/1' }] }, ['structure', 'not-an-array', 'Observation.subject']],
    ['a single value for a repeating element', { category: { text: 'x' } }, ['structure', 'expected-array', 'Observation.category']],
    ['a primitive array for a single primitive', { status: ['final'] }, ['structure', 'not-an-array', 'Observation.status']],
    ['an empty array', { category: [] }, ['structure', 'empty-array', 'Observation.category']],
    ['an empty object', { subject: {} }, ['invariant', 'empty-element', 'Observation.subject']],
    ['an object with only an id', { subject: { id: 'x' } }, ['invariant', 'empty-element', 'Observation.subject']],
    ['null', { subject: null }, ['structure', 'null-value', 'Observation.subject']],
    ['null in a complex array', { category: [{ text: 'x' }, null] }, ['structure', 'null-value', 'Observation.category[1]']],
    ['a primitive where an object is required', { subject: 'Patient/1' }, ['structure', 'wrong-type', 'Observation.subject']],
    ['an object where a primitive is required', { issued: { value: '2020' } }, ['structure', 'wrong-type', 'Observation.issued']],
  ])('rejects %s', (_label, props, expected) => {
    expect(errors(obs(props))).toEqual([expected]);
  });

  it('treats a profile-prohibited element (SimpleQuantity.comparator) as too many', () => {
    const mr = { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/1' }, medicationCodeableConcept: { text: 'x' },
      dosageInstruction: [{ doseAndRate: [{ doseQuantity: { value: 1, comparator: '<' } }] }] };
    expect(errors(mr)).toEqual([
      ['structure', 'cardinality-max', 'MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity.comparator'],
      ['invariant', 'invariant-failed', 'MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity'],
    ]);
  });
});
