// Unit tests: FHIRPath invariants on resources, backbone elements and datatypes; native dom-3/ref-1; the skip list.
import { OperationOutcomeIssue } from '../outcome/operation-outcome';
import { compiled } from '../conformance/fhirpath.engine';
import { checkConstraints, constraintsThatThrew, SKIPPED_CONSTRAINTS } from './invariant.checker';
import { IssueSink, JsonObject, resourceScope } from './issue.sink';
import { validateResource } from './resource.validator';
import { structureIndex } from './structure.index';
import { ConstraintDef, TypeDef } from './type.compiler';

type Issue = [severity: string, expression: string | undefined, key: string | undefined];

/** Invariant issues as [severity, expression, constraint key]. */
const invariants = (resource: object): Issue[] =>
  validateResource(resource)
    .filter((i) => i.details?.coding?.[0]?.code === 'invariant-failed')
    .map((i: OperationOutcomeIssue): Issue => [i.severity, i.expression?.[0], /Constraint (\S+) failed/.exec(i.details?.text ?? '')?.[1]]);

const narrative = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const obs = (props: object): object => ({ resourceType: 'Observation', text: narrative, status: 'final', code: { text: 'c' }, ...props });

describe('invariants', () => {
  it.each([
    ['obs-6 (resource)', obs({ valueString: 'x', dataAbsentReason: { text: 'n/a' } }), [['error', 'Observation', 'obs-6']]],
    ['obs-7 (resource, uses %resource)', obs({ code: { coding: [{ system: 's', code: 'c' }] }, valueString: 'x', component: [{ code: { coding: [{ system: 's', code: 'c' }] } }] }), [['error', 'Observation', 'obs-7']]],
    ['obs-3 (backbone element)', obs({ referenceRange: [{ text: 'x' }, { appliesTo: [{ text: 'x' }] }] }), [['error', 'Observation.referenceRange[1]', 'obs-3']]],
    ['per-1 (datatype)', obs({ effectivePeriod: { start: '2020-02-01', end: '2020-01-01' } }), [['error', 'Observation.effectivePeriod', 'per-1']]],
    ['qty-3 (datatype in a choice)', obs({ valueQuantity: { value: 1, code: 'mg' } }), [['error', 'Observation.valueQuantity', 'qty-3']]],
    ['ext-1 (extension)', obs({ extension: [{ url: 'http://example.org/a', valueString: 'x', extension: [{ url: 'b', valueString: 'y' }] }] }), [['error', 'Observation.extension[0]', 'ext-1']]],
    ['dom-2 (nested contained)', obs({ contained: [{ resourceType: 'Patient', id: 'p', contained: [{ resourceType: 'Patient', id: 'q' }] }], subject: { reference: '#p' } }), [['error', 'Observation.contained[0].contained[0]', 'dom-3'], ['error', 'Observation', 'dom-2']]],
    ['dom-6 (warning severity)', { resourceType: 'Observation', status: 'final', code: { text: 'c' } }, [['warning', 'Observation', 'dom-6']]],
  ])('%s', (_label, resource, expected) => {
    expect(invariants(resource)).toEqual(expected);
  });

  it('passes when the invariants hold, and for dates of different precision (empty result)', () => {
    expect(invariants(obs({ effectivePeriod: { start: '2020-01-01T10:00:00Z', end: '2020-01-01' }, valueQuantity: { value: 1, code: 'mg', system: 'http://unitsofmeasure.org' } }))).toEqual([]);
  });

  it('evaluates pat-1 on each Patient.contact', () => {
    const patient = { resourceType: 'Patient', text: narrative, contact: [{ name: { family: 'x' } }, { gender: 'male' }] };
    expect(invariants(patient)).toEqual([['error', 'Patient.contact[1]', 'pat-1']]);
  });

  it('enforces dom-3 natively: contained resources must be referenced', () => {
    const patient = { resourceType: 'Patient', text: narrative, contained: [{ resourceType: 'Organization', id: 'o1', name: 'x' }] };
    expect(invariants(patient)).toEqual([['error', 'Patient.contained[0]', 'dom-3']]);
    expect(invariants({ ...patient, managingOrganization: { reference: '#o1' } })).toEqual([]);
    const backRef = { ...patient, contained: [{ resourceType: 'Organization', id: 'o1', name: 'x', partOf: { reference: '#' } }] };
    expect(invariants(backRef)).toEqual([]);
  });

  it('enforces ref-1 natively: a local reference needs its contained resource', () => {
    const patient = { resourceType: 'Patient', text: narrative, managingOrganization: { reference: '#nope' } };
    expect(invariants(patient)).toEqual([['error', 'Patient.managingOrganization', 'ref-1']]);
  });

  it('does not enforce dom-6 on contained resources, which have no narrative of their own', () => {
    const patient = { resourceType: 'Patient', text: narrative, contained: [{ resourceType: 'Organization', id: 'o1', name: 'x' }], managingOrganization: { reference: '#o1' } };
    expect(invariants(patient)).toEqual([]);
  });

  it('treats an expression that throws or does not compile as skipped, never as a failure', () => {
    const sink = new IssueSink();
    const node = { resourceType: 'Patient', name: [{ family: 'a' }, { family: 'b' }] };
    const constraints: ConstraintDef[] = [
      { key: 'test-throws', severity: 'error', human: 'x', expression: 'name.as(HumanName).exists()' },
      { key: 'test-syntax', severity: 'error', human: 'x', expression: 'name.(' },
    ];
    checkConstraints(node, constraints, 'Patient', 'Patient', resourceScope(node, node), sink);
    expect(sink.issues).toEqual([]);
    expect(constraintsThatThrew().get('test-throws')).toMatch(/singleton/);
    expect(constraintsThatThrew().get('test-syntax')).toBe('does not compile');
  });
});

describe('SKIPPED_CONSTRAINTS', () => {
  const index = structureIndex();
  const PRIMITIVE_SAMPLES: Record<string, unknown> = {
    boolean: true, integer: 1, decimal: 1.5, positiveInt: 1, unsignedInt: 1, date: '2020-01-01', dateTime: '2020-01-01T00:00:00Z',
    instant: '2020-01-01T00:00:00Z', time: '10:00:00', base64Binary: 'AAAA', uri: 'http://a', url: 'http://a', canonical: 'http://a',
    oid: 'urn:oid:1.2', uuid: 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520', xhtml: '<div xmlns="http://www.w3.org/1999/xhtml">a</div>',
  };

  /** An instance with every element filled (two items per array), to depth 3: exercises every expression's paths. */
  function sample(type: TypeDef, depth: number): JsonObject {
    const out: JsonObject = type.kind === 'resource' ? { resourceType: type.name } : {};
    for (const el of type.elements) {
      if (el.max === 0) continue;
      const t = el.types[0];
      let v: unknown;
      if (el.backbone) v = depth < 3 ? sample(el.backbone, depth + 1) : undefined;
      else if (t === 'Resource') v = { resourceType: 'Basic', id: 'b' };
      else if (t === 'Reference') v = { reference: '#b' };
      else if (index.getPrimitive(t)) v = PRIMITIVE_SAMPLES[t] ?? 'a';
      else v = depth < 3 ? sample(index.getType(t) as TypeDef, depth + 1) : undefined;
      if (v !== undefined) out[el.jsonNames[0]] = el.isArray ? [v, v] : v;
    }
    return out;
  }

  function probe(type: TypeDef, node: JsonObject, env: object, thrown: Set<string>, depth: number): void {
    const run = (constraints: ConstraintDef[], base: string, value: unknown): void => {
      for (const c of constraints) {
        try {
          compiled(base, c.expression)?.(value, { ...env });
        } catch {
          thrown.add(c.key);
        }
      }
    };
    run(type.constraints, type.fhirpathBase, node);
    for (const el of type.elements) {
      const v = node[el.jsonNames[0]];
      const item = Array.isArray(v) ? v[0] : v;
      if (item === undefined || el.types[0] === 'Resource') continue;
      const child = el.backbone ?? index.getType(el.types[0]);
      run(el.constraints, child ? child.fhirpathBase : '', item);
      if (child && depth < 3) probe(child, item as JsonObject, env, thrown, depth + 1);
    }
  }

  it('lists exactly the constraints the engine cannot evaluate (besides those implemented natively)', () => {
    const thrown = new Set<string>();
    for (const name of index.resourceTypeNames()) {
      const type = index.getType(name) as TypeDef;
      const resource = sample(type, 0);
      probe(type, resource, { resource, rootResource: resource }, thrown, 0);
    }
    const native = ['ele-1', 'ref-1', 'txt-1', 'txt-2'];
    expect([...thrown].sort()).toEqual(Object.keys(SKIPPED_CONSTRAINTS).filter((k) => !native.includes(k)).sort());
  });

  it('gives a reason for every skipped constraint', () => {
    for (const reason of Object.values(SKIPPED_CONSTRAINTS)) expect(reason.length).toBeGreaterThan(20);
  });
});
