import { FhirError } from '../outcome/operation-outcome';
import { canonicalCriteria, criteriaFromQuery, criteriaLockKey, parseCriteria } from './conditional-criteria';

describe('conditional criteria', () => {
  it('parses a query string, with or without its ?, keeping repeated parameters', () => {
    expect(parseCriteria('identifier=http://x|1&name=a&name=b', 'If-None-Exist')).toEqual({ identifier: 'http://x|1', name: ['a', 'b'] });
    expect(parseCriteria('?identifier=http://x|1', 'If-None-Exist')).toEqual({ identifier: 'http://x|1' });
  });

  it('refuses empty criteria, also when only format parameters are given', () => {
    for (const text of ['', '?', '_format=json&_pretty=true']) {
      expect(() => parseCriteria(text, 'If-None-Exist')).toThrow(FhirError);
      try {
        parseCriteria(text, 'If-None-Exist');
      } catch (err) {
        expect((err as FhirError).status).toBe(400);
        expect((err as FhirError).issues[0].details?.coding?.[0].code).toBe('condition-empty');
      }
    }
    expect(() => criteriaFromQuery({ _format: 'json' }, 'A conditional update')).toThrow(/needs search criteria/);
  });

  it('gives equal criteria written in another order the same canonical text and lock key', () => {
    const a = parseCriteria('name=b&identifier=x|1&name=a', 'c');
    const b = criteriaFromQuery({ identifier: 'x|1', name: ['a', 'b'] }, 'c');
    expect(canonicalCriteria(a)).toBe(canonicalCriteria(b));
    expect(criteriaLockKey('Patient', a)).toBe(criteriaLockKey('Patient', b));
    expect(criteriaLockKey('Practitioner', a)).not.toBe(criteriaLockKey('Patient', a));
    expect(criteriaLockKey('Patient', a)).toMatch(/^-?\d{1,19}$/);
    expect(BigInt(criteriaLockKey('Patient', a))).toBeGreaterThanOrEqual(-(2n ** 63n));
  });
});
