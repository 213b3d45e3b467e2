import { FhirError } from '../outcome/operation-outcome';
import { instantParam, pageSize, withinBudget } from './paging';

describe('paging parameters', () => {
  it('caps _count at the maximum and refuses what is not a whole number', () => {
    expect(pageSize({}, 20, 1000)).toBe(20);
    expect(pageSize({ _count: '5000' }, 20, 1000)).toBe(1000);
    expect(pageSize({ _count: '0' }, 20, 1000)).toBe(0);
    for (const bad of ['-1', '1.5', 'ten', '']) expect(() => pageSize({ _count: bad }, 20, 1000)).toThrow(FhirError);
    expect(() => pageSize({ _count: ['1', '2'] }, 20, 1000)).toThrow(/may appear once only/);
  });

  it('reads instants with an offset, also when its "+" arrived as a space', () => {
    expect(instantParam({ _since: '2024-01-31T10:00:00+01:00' }, '_since')?.toISOString()).toBe('2024-01-31T09:00:00.000Z');
    expect(instantParam({ _since: '2024-01-31T10:00:00 01:00' }, '_since')?.toISOString()).toBe('2024-01-31T09:00:00.000Z');
    expect(() => instantParam({ _since: '2024-02-30T10:00:00Z x' }, '_since')).toThrow(/_since must be an instant/);
  });

  it('keeps a page within its byte budget but always keeps one entry', () => {
    const items = [{ content: 'x'.repeat(60) }, { content: 'x'.repeat(60) }, { content: null }];
    expect(withinBudget(items, 100)).toHaveLength(1);
    expect(withinBudget(items, 200)).toHaveLength(3);
    expect(withinBudget([{ content: 'x'.repeat(500) }], 100)).toHaveLength(1);
  });
});
