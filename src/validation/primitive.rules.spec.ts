// Unit tests: JSON types, lexical patterns, ranges, calendar dates, ids, strings and base64 of the primitive datatypes.
import { OperationOutcomeIssue } from '../outcome/operation-outcome';
import { isBase64 } from './primitive.rules';
import { validateResource } from './resource.validator';

type Triple = [code: string, errorCode: string | undefined, expression: string | undefined];

const triple = (i: OperationOutcomeIssue): Triple => [i.code, i.details?.coding?.[0]?.code, i.expression?.[0]];
const narrative = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };
const issuesOf = (props: object, severity = 'error'): Triple[] =>
  validateResource({ resourceType: 'Patient', text: narrative, ...props }).filter((i) => i.severity === severity).map(triple);

/** A Patient whose only content is one extension with the given value[x] property. */
const withValue = (key: string, value: unknown): object => ({ extension: [{ url: 'http://example.org/x', [key]: value }] });

describe('primitive datatypes', () => {
  it.each([
    ['valueBoolean', true],
    ['valueInteger', -5],
    ['valueDecimal', 1.25],
    ['valuePositiveInt', 1],
    ['valueUnsignedInt', 0],
    ['valueDate', '2020-02-29'],
    ['valueDate', '2000-02-29'],
    ['valueDate', '2019-07'],
    ['valueDateTime', '2019-07-01T10:00:00+02:00'],
    ['valueInstant', '2019-07-01T10:00:00.123Z'],
    ['valueTime', '23:59:60'],
    ['valueCode', 'a b'],
    ['valueOid', 'urn:oid:2.16.840.1'],
    ['valueUuid', 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520'],
    ['valueUri', 'urn:x:y'],
    ['valueBase64Binary', 'aGVs bG8='],
    ['valueId', 'a.b-C'],
  ])('accepts %s %j', (key, value) => {
    expect(issuesOf(withValue(key, value))).toEqual([]);
  });

  it.each([
    ['valueBoolean', 'true', 'wrong-type'],
    ['valueInteger', '1', 'wrong-type'],
    ['valueDecimal', '1.5', 'wrong-type'],
    ['valueString', 5, 'wrong-type'],
    ['valueInteger', 1.5, 'invalid-primitive'],
    ['valueInteger', 2147483648, 'out-of-range'],
    ['valuePositiveInt', 0, 'out-of-range'],
    ['valueUnsignedInt', -1, 'out-of-range'],
    ['valueDate', '2019-13-01', 'invalid-primitive'],
    ['valueDate', '2019-02-30', 'invalid-date'],
    ['valueDate', '2019-02-29', 'invalid-date'],
    ['valueDate', '1900-02-29', 'invalid-date'],
    ['valueDateTime', '2019-04-31T10:00:00Z', 'invalid-date'],
    ['valueDateTime', '2019-07-01T10:00:00', 'invalid-primitive'],
    ['valueInstant', '2019-07-01', 'invalid-primitive'],
    ['valueTime', '24:00:00', 'invalid-primitive'],
    ['valueCode', ' padded', 'invalid-primitive'],
    ['valueCode', 'a  b', 'invalid-primitive'],
    ['valueUri', 'has space', 'invalid-primitive'],
    ['valueOid', 'urn:oid:3.1', 'invalid-primitive'],
    ['valueUuid', 'urn:uuid:ABC', 'invalid-primitive'],
    ['valueId', 'a_b', 'invalid-primitive'],
    ['valueBase64Binary', 'abc', 'invalid-base64'],
    ['valueBase64Binary', '(snip)', 'invalid-base64'],
    ['valueString', '', 'empty-string'],
  ])('rejects %s %j as %s', (key, value, errorCode) => {
    expect(issuesOf(withValue(key, value)).map((t) => t[1])).toEqual([errorCode]);
    expect(issuesOf(withValue(key, value))[0][2]).toBe(`Patient.extension[0].${key}`);
  });

  it('uses the issue types structure (JSON type) and value (content)', () => {
    expect(issuesOf({ active: 'yes' })).toEqual([['structure', 'wrong-type', 'Patient.active']]);
    expect(issuesOf({ birthDate: 'not a date' })).toEqual([['value', 'invalid-primitive', 'Patient.birthDate']]);
  });

  it('checks each item of a primitive array at its index', () => {
    expect(issuesOf({ name: [{ given: ['a', ''] }] })).toEqual([['value', 'empty-string', 'Patient.name[0].given[1]']]);
  });

  it('warns about whitespace-only strings', () => {
    expect(issuesOf({ name: [{ text: '   ' }] }, 'warning')).toEqual([['value', 'whitespace-string', 'Patient.name[0].text']]);
    expect(issuesOf({ name: [{ text: '   ' }] })).toEqual([]);
  });

  it('restricts Resource.id to [A-Za-z0-9-.]{1,64}', () => {
    expect(issuesOf({ id: 'bad-id_1' })).toEqual([['value', 'invalid-id', 'Patient.id']]);
    expect(issuesOf({ id: 'bad id' })).toEqual([['value', 'invalid-id', 'Patient.id']]);
    expect(issuesOf({ id: 'x'.repeat(65) })).toEqual([['value', 'invalid-id', 'Patient.id']]);
    expect(issuesOf({ id: 7 })).toEqual([['structure', 'wrong-type', 'Patient.id']]);
    expect(issuesOf({ id: 'x'.repeat(64) })).toEqual([]);
  });

  it('validates nested datatypes such as Attachment', () => {
    expect(issuesOf({ photo: [{ contentType: 'image/png', size: -1, creation: '2020-02-30' }] })).toEqual([
      ['value', 'out-of-range', 'Patient.photo[0].size'],
      ['value', 'invalid-date', 'Patient.photo[0].creation'],
    ]);
  });
});

describe('isBase64', () => {
  it.each([['', true], ['QQ==', true], ['QUI=', true], ['QUJD', true], ['QU JD\n', true], ['QQ=', false], ['Q===', false], ['QQ==QQ==', false], ['QU*D', false]])(
    '%j -> %s',
    (value, expected) => {
      expect(isBase64(value)).toBe(expected);
    },
  );
});
