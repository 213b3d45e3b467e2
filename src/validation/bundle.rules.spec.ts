// Unit tests: Bundle fullUrls, link relations and references resolved inside the bundle.
import { OperationOutcomeIssue } from '../outcome/operation-outcome';
import { validateResource } from './resource.validator';

type Triple = [code: string, errorCode: string | undefined, expression: string | undefined];

const triple = (i: OperationOutcomeIssue): Triple => [i.code, i.details?.coding?.[0]?.code, i.expression?.[0]];
const errors = (resource: object): Triple[] => validateResource(resource).filter((i) => i.severity === 'error').map(triple);
const narrative = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };

const observation = (id: string, versionId: string): object => ({
  fullUrl: `http://example.org/Observation/${id}`,
  resource: { resourceType: 'Observation', id, meta: { versionId }, text: narrative, status: 'final', code: { text: 'c' } },
});
const listOf = (...references: string[]): object => ({
  fullUrl: 'http://example.org/List/l1',
  resource: { resourceType: 'List', id: 'l1', text: narrative, status: 'current', mode: 'working', entry: references.map((reference) => ({ item: { reference } })) },
});

describe('bundle rules', () => {
  it('requires absolute fullUrls', () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'Patient/1', resource: { resourceType: 'Patient', id: '1', text: narrative } }] };
    expect(errors(bundle)).toEqual([['invalid', 'bundle-fullurl-not-absolute', 'Bundle.entry[0].fullUrl']]);
    bundle.entry[0].fullUrl = 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520';
    expect(errors(bundle)).toEqual([]);
  });

  it('allows each link relation once', () => {
    const link = (relation: string): object => ({ relation, url: `http://example.org/Patient?page=${relation}` });
    const bundle = { resourceType: 'Bundle', type: 'searchset', link: [link('self'), link('next'), link('self')] };
    expect(errors(bundle)).toEqual([['invalid', 'bundle-duplicate-link', 'Bundle.link[2]']]);
  });

  it('resolves version-specific references among entries with the same fullUrl', () => {
    const good = { resourceType: 'Bundle', type: 'collection', entry: [listOf('Observation/o1/_history/1', 'Observation/o1/_history/2'), observation('o1', '1'), observation('o1', '2')] };
    expect(errors(good)).toEqual([]);
  });

  it('rejects references that match several entries or name a version that is not there', () => {
    const bad = { resourceType: 'Bundle', type: 'collection', entry: [listOf('Observation/o1/_history/3', 'Observation/o1'), observation('o1', '1'), observation('o1', '2')] };
    expect(errors(bad)).toEqual([
      ['not-found', 'bundle-unresolved-version', 'Bundle.entry[0].resource.entry[0].item'],
      ['invalid', 'bundle-ambiguous-reference', 'Bundle.entry[0].resource.entry[1].item'],
    ]);
  });

  it('leaves references to resources outside the bundle, and history bundles, alone', () => {
    const outside = { resourceType: 'Bundle', type: 'collection', entry: [listOf('Observation/elsewhere', 'http://other.org/Patient/1')] };
    expect(errors(outside)).toEqual([]);
    const history = {
      resourceType: 'Bundle', type: 'history',
      entry: [observation('o1', '1'), observation('o1', '2')].map((e) => ({ ...e, request: { method: 'PUT', url: 'Observation/o1' }, response: { status: '200' } })),
    };
    expect(errors(history)).toEqual([]);
  });

  it('enforces the Bundle invariants (bdl-*) through FHIRPath', () => {
    const bundle = { resourceType: 'Bundle', type: 'document', entry: [{ fullUrl: 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520', resource: { resourceType: 'Patient', text: narrative } }] };
    const keys = validateResource(bundle).map((i) => /Constraint (\S+)/.exec(i.details?.text ?? '')?.[1]);
    expect(keys).toEqual(['bdl-9', 'bdl-10', 'bdl-11']); // identifier, timestamp, Composition first
  });
});
