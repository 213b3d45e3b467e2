// Walks the audit trail in seq order, a chunk at a time, recomputing every hash: names the first record where
// the chain breaks and why (content edited, a record removed, records reordered, search keys changed), and
// whether a head hash kept elsewhere is still in the chain (the only way to notice the newest records removed).
import { Queryable } from '../storage/database-session';
import { chainHash, GENESIS_HASH } from './audit-chain';
import { auditKeys } from './audit-event.builder';

export const VERIFY_CHUNK = 1000;
const MAX_PROBLEMS = 20;

const CHUNK = `SELECT seq::text AS seq, id, (extract(epoch FROM recorded) * 1000000)::bigint::text AS recorded_us, recorded,
  compartments, agents, entities, content, prev_hash, hash FROM audit_event WHERE seq > $1 ORDER BY audit_event.seq LIMIT $2`;
const BY_HASH = 'SELECT seq::text AS seq FROM audit_event WHERE hash = $1 ORDER BY audit_event.seq LIMIT 1';

interface Row {
  seq: string;
  id: string;
  recorded_us: string;
  recorded: Date;
  compartments: string[];
  agents: string[];
  entities: string[];
  content: string;
  prev_hash: Buffer;
  hash: Buffer;
}

export type BreakReason = 'content-edited' | 'record-removed' | 'records-reordered' | 'search-keys-edited' | 'head-missing';

export interface ChainProblem {
  seq: string;
  reason: BreakReason;
  detail: string;
}

export interface VerifyReport {
  intact: boolean;
  records: number;
  firstSeq: string | null;
  lastSeq: string | null;
  /** The hash of the newest record (hex): keep it elsewhere and pass it to --expect-head next time. */
  head: string | null;
  expectedHead?: { hash: string; foundAtSeq: string | null };
  firstBroken: ChainProblem | null;
  /** The first few problems, each found after resuming the walk from the record that broke. */
  problems: ChainProblem[];
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Whether the searchable columns still say what the record's content says. */
function keysProblem(row: Row): string | undefined {
  let event: Parameters<typeof auditKeys>[0] & { id?: unknown; recorded?: unknown };
  try {
    event = JSON.parse(row.content);
  } catch {
    return 'the content is not JSON';
  }
  if (event.id !== row.id) return 'the id column differs from the content';
  if (event.recorded !== row.recorded.toISOString()) return 'the recorded column differs from the content';
  const keys = auditKeys(event);
  if (!same(keys.compartments, [...row.compartments].sort())) return 'the patients (compartments) column differs from the content';
  if (!same(keys.agents, [...row.agents].sort())) return 'the agents column differs from the content';
  if (!same(keys.entities, [...row.entities].sort())) return 'the entities column differs from the content';
  return undefined;
}

export async function verifyAuditChain(db: Queryable, options: { expectHead?: Buffer; chunk?: number } = {}): Promise<VerifyReport> {
  const chunk = options.chunk ?? VERIFY_CHUNK;
  const problems: ChainProblem[] = [];
  let records = 0;
  let firstSeq: string | null = null;
  let expectedSeq = 1n;
  let prev: Buffer = GENESIS_HASH;
  let foundHead: string | null = null;
  let after = '0';
  let lastRow: Row | undefined;
  const problem = (p: ChainProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };

  for (;;) {
    const rows = (await db.query(CHUNK, [after, chunk])) as Row[];
    if (rows.length === 0) break;
    for (const row of rows) {
      records++;
      firstSeq ??= row.seq;
      const seq = BigInt(row.seq);
      const recomputed = chainHash(row.prev_hash, { seq, recordedMicros: BigInt(row.recorded_us), content: row.content });
      const selfConsistent = recomputed.equals(row.hash);
      if (seq !== expectedSeq) {
        problem({ seq: expectedSeq.toString(), reason: 'record-removed', detail: `records ${expectedSeq}${seq - 1n > expectedSeq ? `..${seq - 1n}` : ''} are missing (the next present record is ${seq})` });
      } else if (!row.prev_hash.equals(prev)) {
        // The record chained after the previous one is elsewhere: reordered; or nowhere: removed or replaced.
        const [at] = (await db.query(BY_HASH, [row.prev_hash])) as { seq: string }[];
        if (at && BigInt(at.seq) >= seq) {
          problem({ seq: row.seq, reason: 'records-reordered', detail: `record ${row.seq} was chained after the record now at seq ${at.seq}` });
        } else {
          problem({ seq: row.seq, reason: 'record-removed', detail: `record ${row.seq} is not chained to record ${seq - 1n}: a record before it was removed or replaced` });
        }
      } else if (!selfConsistent) {
        problem({ seq: row.seq, reason: 'content-edited', detail: `the hash of record ${row.seq} does not match its content, position or time` });
      } else {
        const keys = keysProblem(row);
        if (keys) problem({ seq: row.seq, reason: 'search-keys-edited', detail: `record ${row.seq}: ${keys}` });
      }
      if (options.expectHead && foundHead === null && row.hash.equals(options.expectHead)) foundHead = row.seq;
      // Walk on from what is stored, so that one break is reported once.
      prev = row.hash;
      expectedSeq = seq + 1n;
    }
    lastRow = rows[rows.length - 1];
    after = lastRow.seq;
  }

  const report: VerifyReport = {
    intact: false,
    records,
    firstSeq,
    lastSeq: lastRow?.seq ?? null,
    head: lastRow ? lastRow.hash.toString('hex') : null,
    firstBroken: null,
    problems,
  };
  if (options.expectHead) {
    report.expectedHead = { hash: options.expectHead.toString('hex'), foundAtSeq: foundHead };
    if (foundHead === null) {
      problem({ seq: report.lastSeq ?? '0', reason: 'head-missing', detail: 'the expected head hash is not in the chain: records up to it were removed or changed' });
    }
  }
  report.firstBroken = problems[0] ?? null;
  report.intact = problems.length === 0;
  return report;
}
