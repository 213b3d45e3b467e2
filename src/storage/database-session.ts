// Where storage statements run: in the transaction the caller opened (a transaction Bundle, a conditional
// write), or straight on the pool. Every repository goes through here, so one transaction can span several
// interactions without passing a handle down through each of them.
import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager } from 'typeorm';

export type Queryable = Pick<EntityManager, 'query'>;

@Injectable()
export class DatabaseSession {
  private readonly ambient = new AsyncLocalStorage<EntityManager>();

  constructor(private readonly dataSource: DataSource) {}

  /** Runs one statement with bound parameters, inside the ambient transaction when there is one. */
  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (this.ambient.getStore() ?? this.dataSource).query(sql, params) as Promise<T[]>;
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
