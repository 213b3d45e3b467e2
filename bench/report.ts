// Plain-text tables for the console.
export type Cell = string | number | undefined;

function cellText(c: Cell, digits: number): string {
  if (c === undefined || (typeof c === 'number' && Number.isNaN(c))) return '-';
  if (typeof c === 'number') return Number.isInteger(c) ? String(c) : c.toFixed(digits);
  return c;
}

/** Columns after the first are right-aligned; numbers get `digits` decimals unless whole. */
export function table(header: string[], rows: Cell[][], digits = 1): string {
  const text = [header, ...rows.map((r) => r.map((c) => cellText(c, digits)))];
  const widths = header.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  return text
    .map((r) => r.map((c, i) => (i === 0 ? (c ?? '').padEnd(widths[i]) : (c ?? '').padStart(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

export const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
