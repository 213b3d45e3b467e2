// The ranges dates stand for, and text normalisation, as indexing and searching both rely on them.
import { dateRange, normalizeText, periodRange } from './search-values';
import { splitUnion } from './search-parameter.registry';

describe('dateRange', () => {
  it.each([
    ['2024', '2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    ['2024-02', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2024-12', '2024-12-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2024-03-05T10:00', '2024-03-05T10:00:00.000Z', '2024-03-05T10:01:00.000Z'],
    ['2024-03-05T10:00:30+02:00', '2024-03-05T08:00:30.000Z', '2024-03-05T08:00:31.000Z'],
    ['2024-03-05T10:00:30.5Z', '2024-03-05T10:00:30.500Z', '2024-03-05T10:00:30.600Z'],
    ['2024-03-05T10:00:30.123456Z', '2024-03-05T10:00:30.123Z', '2024-03-05T10:00:30.124Z'],
    ['9999', '9999-01-01T00:00:00.000Z', 'infinity'],
  ])('%s is [%s, %s)', (value, low, high) => {
    expect(dateRange(value)).toEqual({ low, high });
  });

  it.each(['2023-02-30', '2024-13', '24', '2024-1-1', '2024-03-05T25:00', 'garbage', '2024-03-05 10:00'])('%s is not a date', (value) => {
    expect(dateRange(value)).toBeUndefined();
  });

  it('leaves an open side of a Period unbounded', () => {
    expect(periodRange('2024-01-01', undefined)).toEqual({ low: '2024-01-01T00:00:00.000Z', high: 'infinity' });
    expect(periodRange(undefined, '2024')).toEqual({ low: '-infinity', high: '2025-01-01T00:00:00.000Z' });
  });
});

it('normalises case and accents', () => {
  expect(normalizeText('Müller-ÅSTRÖM')).toBe('muller-astrom');
});

it('splits expressions at top-level unions only', () => {
  expect(splitUnion("A.b | (A.c as Quantity) | A.d.where(e = 'x|y')")).toEqual(['A.b', '(A.c as Quantity)', "A.d.where(e = 'x|y')"]);
});
