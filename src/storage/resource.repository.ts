// The versioned store: current row, history row and index rows of a resource written in one transaction.
// https://hl7.org/fhir/R4/http.html#versioning
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AccessScope } from '../access/access-scope';
import { forbidden } from '../access/access-context';
import { notFound } from '../interactions/interaction-errors';
import { SqlBuilder } from '../search/query/sql-builder';
import { Permission } from '../smart/smart-scopes';
import { DatabaseSession, Queryable } from './database-session';
import { PatientCompartmentIndexer } from '../search/patient-compartment.indexer';
import { SearchIndexWriter } from '../search/search-index.writer';
import { FhirResource, StoredVersion, withServerMeta } from './stored-resource';
import { toStored, VersionRow } from './version-row';

const UNIQUE_VIOLATION = '23505';

const SELECT_CURRENT =
  'SELECT resource_type, id, version_id, last_updated, deleted, content FROM resource WHERE resource_type = $1 AND id = $2';
const SELECT_CURRENT_FOR_UPDATE = SELECT_CURRENT + ' FOR UPDATE';
const READ_COLUMNS = 'resource_type, id, version_id, last_updated, deleted, content, compartments';
// Many rows of one type at once, locked in id order (so two transactions locking overlapping sets queue, not deadlock).
const SELECT_MANY_FOR_UPDATE =
  'SELECT resource_type, id, version_id, last_updated, deleted, content FROM resource WHERE resource_type = $1 AND id = ANY($2::text[]) ' +
  'ORDER BY id FOR UPDATE';
// One statement writes a version: the current row, the history row and the index rows (see SearchIndexWriter).
const CURRENT_VALUES = '(resource_type, id, version_id, last_updated, deleted, content, compartments) VALUES ($1, $2, $3, $4, $5, $6, $7)';
const INSERT_CURRENT = 'cur AS (INSERT INTO resource ' + CURRENT_VALUES + ')';
const UPSERT_CURRENT = 'cur AS (INSERT INTO resource ' + CURRENT_VALUES +
  ' ON CONFLICT (resource_type, id) DO UPDATE SET version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated, ' +
  'deleted = EXCLUDED.deleted, content = EXCLUDED.content, compartments = EXCLUDED.compartments)';
const INSERT_HISTORY =
  'hist AS (INSERT INTO resource_history (resource_type, id, version_id, last_updated, method, deleted, content, compartments) ' +
  'VALUES ($1, $2, $3, $4, $8, $5, $6, $7))';
const FIRST_INDEX_PARAM = 9;

/** What a write decides after seeing the current version (locked): the next state, or nothing to write. */
export type WritePlan = { resource: FhirResource; method: 'PUT' | 'PATCH' } | { delete: true } | null;

@Injectable()
export class ResourceRepository {
  constructor(
    private readonly db: DatabaseSession,
    private readonly indexWriter: SearchIndexWriter,
    private readonly compartments: PatientCompartmentIndexer,
  ) {
    const statement = (replace: boolean) =>
      'WITH ' + [replace ? UPSERT_CURRENT : INSERT_CURRENT, INSERT_HISTORY, ...indexWriter.ctes(FIRST_INDEX_PARAM, replace)].join(',\n') + ' SELECT 1';
    this.insertStatement = statement(false);
    this.replaceStatement = statement(true);
  }

  private readonly insertStatement: string;
  private readonly replaceStatement: string;

  /**
   * The current version of (type, id) if the caller may see it for `permission`: a resource outside the
   * caller's reach is not found, exactly like one that does not exist (deleted ones included).
   */
  async readCurrent(type: string, id: string, permission: Permission = 'r'): Promise<StoredVersion | null> {
    return this.readOne('resource', type, id, undefined, permission);
  }

  /** One version of (type, id), judged by the compartments of that version. */
  async readVersion(type: string, id: string, versionId: number, permission: Permission = 'r'): Promise<StoredVersion | null> {
    return this.readOne('resource_history', type, id, versionId, permission);
  }

  private async readOne(table: 'resource' | 'resource_history', type: string, id: string, versionId: number | undefined,
    permission: Permission): Promise<StoredVersion | null> {
    const access = AccessScope.current();
    const b = new SqlBuilder();
    const conditions = [`r.resource_type = ${b.bind(type)}`, `r.id = ${b.bind(id)}`];
    if (versionId !== undefined) conditions.push(`r.version_id = ${b.bind(versionId, 'int')}`);
    const filter = access.rowFilter(type, permission)?.(b, 'r', type);
    if (filter) conditions.push(filter);
    const method = table === 'resource_history' ? ', method' : '';
    const rows = await this.db.named<VersionRow>(`SELECT ${READ_COLUMNS}${method} FROM ${table} r WHERE ${conditions.join(' AND ')}`, b.params);
    if (rows.length === 0) {
      if (filter) access.filteredLookup = { type, id, permission };
      return null;
    }
    access.touch(rows[0].compartments);
    return toStored(rows[0]);
  }

  /** Whether the caller may act (`permission`) on the current row of (type, id), as this transaction sees it. */
  private async permits(em: Queryable, type: string, id: string, permission: Permission): Promise<boolean> {
    const filter = AccessScope.current().rowFilter(type, permission);
    if (!filter) return true;
    const b = new SqlBuilder();
    const sql = `SELECT 1 FROM resource r WHERE r.resource_type = ${b.bind(type)} AND r.id = ${b.bind(id)} AND ${filter(b, 'r', type)}`;
    return (await em.query(sql, b.params) as unknown[]).length > 0;
  }

  /** After a write, inside its transaction: the new state must be within what the caller may write, else 403. */
  private async requireWritable(em: Queryable, type: string, id: string, permission: Permission): Promise<void> {
    if (await this.permits(em, type, id, permission)) return;
    const access = AccessScope.current();
    const rule = access.filteringRules(type, permission);
    throw forbidden(rule, `The access token does not allow this ${type} to be written as it is`,
      `the ${permission === 'c' ? 'created' : 'updated'} ${type}/${id} is outside the token's ${rule === 'granular-restriction' ? 'scope restriction' : 'patient reach'}`);
  }

  /** A new server-assigned id. */
  newId(): string {
    return randomUUID();
  }

  /** Rows locked ahead by lockForUpdate, per transaction, until modify takes them. */
  private readonly locked = new WeakMap<object, Map<string, StoredVersion | null>>();

  /**
   * Inside a transaction: locks the current versions of these resources in one statement, so the modify() calls
   * that follow for them need no statement of their own (a transaction Bundle of many updates).
   */
  async lockForUpdate(type: string, ids: string[]): Promise<void> {
    AccessScope.current(); // the locked rows are judged by modify(); even locking needs an access decision
    const em = this.db.ambientManager;
    if (!em || ids.length === 0) return;
    const rows = await this.db.prepared<VersionRow>(em, SELECT_MANY_FOR_UPDATE, [type, ids]);
    let held = this.locked.get(em);
    if (!held) this.locked.set(em, (held = new Map()));
    for (const id of ids) held.set(`${type}/${id}`, null);
    for (const row of rows) held.set(`${type}/${row.id}`, toStored(row));
  }

  /** The version lockForUpdate holds for (type, id) in this transaction, handed out once; undefined if none. */
  private takeLocked(em: object, type: string, id: string): StoredVersion | null | undefined {
    const held = this.locked.get(em);
    const key = `${type}/${id}`;
    if (!held?.has(key)) return undefined;
    const version = held.get(key)!;
    held.delete(key);
    return version;
  }

  /** Creates a resource under `id` (from newId); the client's meta.versionId/lastUpdated are replaced. */
  async create(id: string, resource: FhirResource): Promise<StoredVersion> {
    // With nothing to check after the write, the write is one statement, atomic by itself: no BEGIN and COMMIT.
    if (!this.db.inTransaction && AccessScope.current().rowFilter(resource.resourceType, 'c') === undefined) {
      const stored = await this.writeVersion(undefined, resource.resourceType, id, 1, 'POST', resource, true);
      this.touchWritten(stored);
      return stored;
    }
    return this.db.transaction(async (em) => {
      const stored = await this.writeVersion(em, resource.resourceType, id, 1, 'POST', resource, true);
      await this.requireWritable(em, resource.resourceType, id, 'c');
      this.touchWritten(stored);
      return stored;
    });
  }

  /**
   * Locks the current version of (type, id), lets `plan` decide what to write from it, and writes that as the
   * next version. A PUT racing another PUT that creates the same new id is retried once, then seen as existing.
   */
  async modify(
    type: string,
    id: string,
    plan: (current: StoredVersion | null) => WritePlan,
    permission: 'u' | 'd' = 'u',
    /** Also needs the stored version to be readable (PATCH, which works on its content). */
    readable = false,
  ): Promise<{ previous: StoredVersion | null; stored: StoredVersion | null }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction(async (em) => {
          let previous = this.takeLocked(em, type, id);
          if (previous === undefined) {
            const rows = await this.db.prepared<VersionRow>(em, SELECT_CURRENT_FOR_UPDATE, [type, id]);
            previous = rows.length ? toStored(rows[0]) : null;
          }
          // A stored version outside the caller's reach is treated as absent: the answer is the one a missing
          // resource gets, and it is never overwritten (an update that would create it is refused as not found).
          const hidden = previous !== null &&
            (!(await this.permits(em, type, id, permission)) || (readable && !(await this.permits(em, type, id, 'r'))));
          if (hidden) {
            AccessScope.current().filteredLookup = { type, id, permission };
            if (plan(null)) throw notFound(type, id);
            return { previous: null, stored: null };
          }
          const decided = plan(previous);
          if (!decided) return { previous, stored: null };
          const next = (previous?.versionId ?? 0) + 1;
          const isNew = previous === null;
          if ('delete' in decided) {
            const deleted = await this.writeVersion(em, type, id, next, 'DELETE', null, isNew, previous);
            this.touchWritten(deleted);
            return { previous, stored: deleted };
          }
          const stored = await this.writeVersion(em, type, id, next, isNew ? 'PUT' : decided.method, decided.resource, isNew);
          await this.requireWritable(em, type, id, isNew || previous!.deleted ? 'c' : 'u');
          this.touchWritten(stored);
          return { previous, stored };
        });
      } catch (err) {
        // Inside a caller's transaction the failed statement has aborted it: only the caller can start over.
        if (attempt === 0 && !this.db.inTransaction && (err as { code?: string }).code === UNIQUE_VIOLATION) continue;
        throw err;
      }
    }
  }

  private async writeVersion(
    em: Queryable | undefined,
    type: string,
    id: string,
    versionId: number,
    method: string,
    resource: FhirResource | null,
    isNew: boolean,
    deletedVersion: StoredVersion | null = null,
  ): Promise<StoredVersion> {
    const lastUpdated = new Date();
    const final = resource ? withServerMeta(resource, id, versionId, lastUpdated) : null;
    const content = final ? JSON.stringify(final) : null;
    const deleted = final === null;
    const rows = this.indexWriter.rows(final);
    // The compartment keys come from the reference rows just extracted. A deletion keeps the keys of the version
    // it deletes, so its history entry stays in the same compartments.
    const compartments = final
      ? this.compartments.keysFromReferences(final, rows.reference)
      : deletedVersion?.content ? this.compartments.keys(JSON.parse(deletedVersion.content) as FhirResource) : [];
    const params = [type, id, versionId, lastUpdated, deleted, content, compartments, method, ...this.indexWriter.paramsOf(rows)];
    const statement = isNew ? this.insertStatement : this.replaceStatement;
    await (em ? this.db.prepared(em, statement, params) : this.db.named(statement, params));
    return { resourceType: type, id, versionId, lastUpdated, deleted, content, method, compartments };
  }

  /** For the audit trail, once a write has passed its checks: the patients it wrote. */
  private touchWritten(stored: StoredVersion): void {
    AccessScope.current().touch(stored.compartments);
  }
}
