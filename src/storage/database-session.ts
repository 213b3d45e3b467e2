// Where storage statements run: in the transaction the caller opened (a transaction Bundle, a conditional
// write), or straight on the pool. Every repository goes through here, so one transaction can span several
// interactions without passing a handle down through each of them.
import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';

export type Queryable = Pick<EntityManager, 'query'>;

/** The pg connection under a transaction's EntityManager, which takes named (prepared) statements. */
type PreparingClient = { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }> };

@Injectable()
export class DatabaseSession {
  private readonly ambient = new AsyncLocalStorage<EntityManager>();

  constructor(private readonly dataSource: DataSource) {}

  /** Runs one statement with bound parameters, inside the ambient transaction when there is one. */
  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (this.ambient.getStore() ?? this.dataSource).query(sql, params) as Promise<T[]>;
  }

  /**
   * Runs a hot statement under a name derived from its text, so each pooled connection parses it once and
   * PostgreSQL can reuse its plan: for the statements every write runs. Outside a transaction it is a plain query.
   */
  async prepared<T = Record<string, unknown>>(em: Queryable, sql: string, params: unknown[]): Promise<T[]> {
    const runner = (em as EntityManager).queryRunner as unknown as { databaseConnection?: PreparingClient } | undefined;
    const client = runner?.databaseConnection;
    if (!client) return em.query(sql, params) as Promise<T[]>;
    return (await client.query({ name: this.nameOf(sql), text: sql, values: params })).rows as T[];
  }

  private readonly names = new Map<string, string>();

  /**
   * A hot statement of fixed shape (token liveness, read by key), named so that every pooled connection parses
   * and plans it once: in the ambient transaction when there is one, else straight on the pool. Only for
   * statements whose text comes from a small set of shapes; searches, whose shapes are many, stay unnamed.
   */
  async named<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    const em = this.ambient.getStore();
    if (em) return this.prepared<T>(em, sql, params);
    const pool = (this.dataSource.driver as unknown as { master: PreparingClient }).master;
    return (await pool.query({ name: this.nameOf(sql), text: sql, values: params })).rows as T[];
  }

  private nameOf(sql: string): string {
    let name = this.names.get(sql);
    if (name === undefined) {
      name = `s_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
      if (this.names.size < 10_000) this.names.set(sql, name);
    }
    return name;
  }

  /** The EntityManager of the ambient transaction, if there is one. */
  get ambientManager(): EntityManager | undefined {
    return this.ambient.getStore();
  }

  get inTransaction(): boolean {
    return this.ambient.getStore() !== undefined;
  }

  /**
   * Runs `work` in a transaction: the ambient one when a caller already opened one (its outcome decides the
   * commit), otherwise a new one that every storage call made inside `work` joins.
   */
  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const current = this.ambient.getStore();
    if (current) return work(current);
    return this.dataSource.transaction((em) => this.ambient.run(em, () => work(em)));
  }

  /** A transaction of its own even inside an ambient one: for work whose outcome must not depend on the caller's. */
  separateTransaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((em) => this.ambient.run(em, () => work(em)));
  }
}
