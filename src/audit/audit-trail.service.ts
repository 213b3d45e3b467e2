// Writes the audit trail: record() only queues (no database round-trip on a request's path); the queue is
// written every FLUSH_INTERVAL_MS or BATCH_SIZE records, one transaction per batch, chained under an advisory
// lock so that any number of server instances extend one chain; and written out at shutdown, before the pool
// closes. A failure to write never reaches a request: the batch stays queued and is tried again.
// https://hl7.org/fhir/R4/auditevent.html
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { DatabaseSession } from '../storage/database-session';
import { chainHash, GENESIS_HASH, micros } from './audit-chain';
import { auditKeys, AuditInput, buildAuditEvent } from './audit-event.builder';

export const FLUSH_INTERVAL_MS = 20;
export const BATCH_SIZE = 500;
/** Records kept while the database cannot be written; beyond it the oldest are dropped (and each drop logged). */
const MAX_QUEUED = 200_000;
const RETRY_MS = 1000;

/** Both halves of the two-key advisory lock every writer of the chain takes (a key space apart from the one-key locks). */
export const CHAIN_LOCK: [number, number] = [0x61756469, 0x74636861];
const LOCK = 'SELECT pg_advisory_xact_lock($1, $2)';
const HEAD = 'SELECT seq::text AS seq, hash FROM audit_event ORDER BY audit_event.seq DESC LIMIT 1';
const COLUMNS = 9;

function insertStatement(rows: number): string {
  const values: string[] = [];
  for (let r = 0; r < rows; r++) {
    const p = (i: number) => `$${r * COLUMNS + i}`;
    values.push(`(${p(1)}::bigint, ${p(2)}, ${p(3)}::timestamptz, ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::text[], ${p(7)}, ${p(8)}::bytea, ${p(9)}::bytea)`);
  }
  return `INSERT INTO audit_event (seq, id, recorded, compartments, agents, entities, content, prev_hash, hash) VALUES ${values.join(', ')}`;
}

interface Pending {
  id: string;
  recorded: Date;
  input: AuditInput;
}

@Injectable()
export class AuditTrail implements OnApplicationShutdown {
  private readonly logger = new Logger('AuditTrail');
  private queue: Pending[] = [];
  private readonly pending = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private failing = false;
  private closed = false;
  /** Timers are made in this context, not in the request that happened to queue the first record. */
  private readonly detached = new AsyncResource('AuditTrail');

  // Through DatabaseSession, which depends on the DataSource: Nest shuts dependants down first, so this
  // provider's last flush runs before DatabaseLifecycle closes the pool.
  constructor(
    private readonly session: DatabaseSession,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Queues one record; never throws. */
  record(input: AuditInput): void {
    try {
      if (this.closed) {
        this.logger.error(`An audit record came after shutdown and is lost: ${input.subtype.map((s) => s.code).join(',')}`);
        return;
      }
      this.queue.push({ id: randomUUID(), recorded: new Date(), input });
      if (this.queue.length > MAX_QUEUED) {
        const lost = this.queue.splice(0, this.queue.length - MAX_QUEUED);
        this.logger.error(`${lost.length} audit records dropped: the audit trail cannot be written`);
      }
      if (this.queue.length >= BATCH_SIZE && !this.failing) this.startWriting();
      else this.schedule(FLUSH_INTERVAL_MS);
    } catch (err) {
      this.logger.error(`An audit record could not be queued: ${(err as Error).message}`);
    }
  }

  /**
   * Queues a record that needs a lookup first (done after the answer went out); flush and shutdown wait for it.
   * Never throws.
   */
  recordLater(input: Promise<AuditInput | undefined>): void {
    const pending = input.then((ready) => {
      if (ready) this.record(ready);
    }, (err: unknown) => this.logger.error(`An audit record could not be made: ${(err as Error)?.message}`)).finally(() => this.pending.delete(pending));
    this.pending.add(pending);
  }

  /** Writes every record queued so far (for shutdown, the CLI and tests). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    for (let rounds = 0; rounds < 1000 && (this.queue.length > 0 || this.writing); rounds++) {
      if (this.writing) await this.writing;
      else {
        this.startWriting();
        await this.writing;
      }
      if (this.failing) return;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.failing = false;
    await this.flush();
    this.closed = true;
    if (this.queue.length > 0) this.logger.error(`${this.queue.length} audit records could not be written before shutdown`);
  }

  private schedule(ms: number): void {
    if (this.timer || this.writing) return;
    this.timer = this.detached.runInAsyncScope(() => setTimeout(() => {
      this.timer = undefined;
      this.startWriting();
    }, ms));
    this.timer.unref();
  }

  private startWriting(): void {
    if (this.writing || this.queue.length === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.detached.runInAsyncScope(() => this.drain()).finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) this.schedule(this.failing ? RETRY_MS : FLUSH_INTERVAL_MS);
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, BATCH_SIZE);
      try {
        await this.write(batch);
        this.queue.splice(0, batch.length);
        if (this.failing) this.logger.log('The audit trail is written again');
        this.failing = false;
      } catch (err) {
        if (!this.failing) this.logger.error(`The audit trail cannot be written (retrying): ${(err as Error).message}`);
        this.failing = true;
        return;
      }
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const source = { observer: this.config.fhirBaseUrl };
    const prepared = batch.map((p) => {
      const event = buildAuditEvent(p.id, p.recorded, p.input, source);
      return { ...p, content: JSON.stringify(event), keys: auditKeys(event as Parameters<typeof auditKeys>[0]) };
    });
    // A transaction of its own, never a caller's: the records stand whatever the request's transaction does.
    await this.session.separateTransaction(async (em) => {
      await em.query(LOCK, CHAIN_LOCK);
      const [head] = (await em.query(HEAD)) as { seq: string; hash: Buffer }[];
      let prev = head ? head.hash : GENESIS_HASH;
      let seq = head ? BigInt(head.seq) : 0n;
      const params: unknown[] = [];
      for (const p of prepared) {
        seq += 1n;
        const hash = chainHash(prev, { seq, recordedMicros: micros(p.recorded), content: p.content });
        params.push(seq.toString(), p.id, p.recorded, p.keys.compartments, p.keys.agents, p.keys.entities, p.content, prev, hash);
        prev = hash;
      }
      await em.query(insertStatement(prepared.length), params);
    });
  }
}
