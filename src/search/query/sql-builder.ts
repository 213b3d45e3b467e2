// Collects the bound values of one statement and hands out table aliases. Values only ever reach SQL as $n
// placeholders; the only text put into statements is fixed SQL and aliases made here.
export type Cast = 'text' | 'numeric' | 'timestamptz' | 'text[]' | 'int' | 'bigint';

export class SqlBuilder {
  readonly params: unknown[] = [];
  private aliasCount = 0;

  bind(value: unknown, cast?: Cast): string {
    this.params.push(value);
    return `$${this.params.length}${cast ? `::${cast}` : ''}`;
  }

  alias(prefix: 'r' | 'x' | 'c' | 'h'): string {
    return `${prefix}${++this.aliasCount}`;
  }
}

/** Escapes LIKE wildcards so a value matches itself only (PostgreSQL's default escape character is \). */
export function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
