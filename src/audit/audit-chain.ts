// The hash chain over the audit trail: each record's hash covers the previous record's hash, its content, its
// position and its time, so editing, removing or reordering records breaks the chain from that record on.
// hash(n) = SHA-256( hash(n-1) [32 bytes] || content [UTF-8] || seq [int64 big-endian] || recorded [int64 µs
// since 1970, big-endian] ); record 1 is chained to GENESIS_HASH.
import { createHash } from 'node:crypto';

/** What record 1 is chained to: 32 zero bytes. */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);

export interface ChainLink {
  seq: bigint;
  /** Microseconds since 1970-01-01T00:00:00Z. */
  recordedMicros: bigint;
  content: string;
}

export function chainHash(prevHash: Buffer, link: ChainLink): Buffer {
  const tail = Buffer.alloc(16);
  tail.writeBigInt64BE(link.seq, 0);
  tail.writeBigInt64BE(link.recordedMicros, 8);
  return createHash('sha256').update(prevHash).update(link.content, 'utf8').update(tail).digest();
}

export function micros(date: Date): bigint {
  return BigInt(date.getTime()) * 1000n;
}
