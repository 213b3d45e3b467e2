// The write paths of the matrix, generated per caller and type: create, update, patch, delete, and their
// conditional forms, on a resource of patient A, of patient B, and moving one patient's resource to the
// other. Each case gets its own target resource, so cases run in parallel, and after each the store is read
// with a system/*.cruds token to prove a refused write wrote nothing. https://hl7.org/fhir/R4/http.html
import { randomUUID } from 'node:crypto';
import { Placement } from './access-oracle';
import { seed, World } from './access-world';
import { MarkerBook, newMarker, withMarker } from './marker-book';
import { Expect, MatrixRunner, Probe } from './matrix-runner';
import { ID_SYSTEM, Ref, SeedRecord } from './seed-records';
import { KindName, LAB, PatientLabel } from './token-kinds';

export interface WriteType {
  type: string;
  categories?: string[];
  /** Whether a resource of the type can be in no patient's compartment at all. */
  orphan: boolean;
  build(owner: PatientLabel | null, ident: string, ref: Ref): Record<string, unknown>;
}

const ident = (value: string) => [{ system: ID_SYSTEM, value }];
const cat = (c: string) => [{ coding: [{ system: c.split('|')[0], code: c.split('|')[1] }] }];

export const WRITE_TYPES: WriteType[] = [
  {
    type: 'Observation', categories: [LAB], orphan: true,
    build: (owner, id, ref) => ({ resourceType: 'Observation', identifier: ident(id), status: 'final', category: cat(LAB), code: { text: 'w' }, ...(owner ? { subject: ref(owner) } : {}) }),
  },
  { type: 'Condition', orphan: false, build: (owner, id, ref) => ({ resourceType: 'Condition', identifier: ident(id), code: { text: 'w' }, subject: ref(owner!) }) },
  { type: 'Medication', orphan: true, build: (_owner, id) => ({ resourceType: 'Medication', identifier: ident(id), code: { text: 'w' } }) },
];

export interface WriteCase {
  probe: () => Probe;
  /** After the answer: what the store holds, read with a system token. */
  verify: (status: number) => Promise<string[]>;
}

/** Builds the cases of one file: collects their target resources, seeds them at once, then makes the probes. */
export class WriteMatrix {
  /** The targets cases deleted, for the checks of what a deleted resource answers. */
  readonly deleted: string[] = [];
  private readonly targets: SeedRecord[] = [];
  private readonly targetOwner = new Map<string, PatientLabel | null>();
  private readonly pendingMarkers = new Map<string, string>();

  constructor(readonly w: World, private readonly runner: MatrixRunner) {}

  get book(): MarkerBook {
    return this.w.book;
  }

  placement(wt: WriteType, owner: PatientLabel | null): Placement {
    return { type: wt.type, owners: owner && wt.type !== 'Medication' ? [owner] : [], categories: wt.categories };
  }

  /** A resource for one case to work on, written before the run with the others. */
  target(kind: KindName, label: string, wt: WriteType, owner: PatientLabel | null): string {
    const key = `${kind}:${label}:${wt.type}`;
    this.targets.push({ key, type: wt.type, owners: this.placement(wt, owner).owners as PatientLabel[], categories: wt.categories, build: (ref) => wt.build(owner, `ID-${key}`, ref) });
    this.targetOwner.set(key, owner);
    return key;
  }

  /**
   * The body of a write owned by `owner`: of the seeded resource `key` (its id, identifier and marker, plus a
   * change), or of a new resource named `key` carrying the identifier of `identKey`.
   */
  body(wt: WriteType, key: string, owner: PatientLabel | null, options: { id?: boolean; identKey?: string } = {}): Record<string, unknown> {
    const ref = (k: string) => ({ reference: `${this.book.get(k).type}/${this.book.get(k).id}` });
    const known = this.book.has(key) && !this.pendingMarkers.has(key) ? this.book.get(key) : undefined;
    const resource = withMarker(wt.build(owner, `ID-${options.identKey ?? key}`, ref), known?.marker ?? this.pending(key, wt, owner));
    const changed = { ...resource, extension: [...(resource.extension as unknown[]), { url: 'http://example.org/changed', valueString: key }] };
    return options.id && known ? { ...changed, id: known.id } : changed;
  }

  /** A resource a case may create: its marker is known to the book before the request, its id once written. */
  private pending(key: string, wt: WriteType, owner: PatientLabel | null): string {
    if (!this.pendingMarkers.has(key)) {
      const marker = newMarker();
      this.pendingMarkers.set(key, marker);
      this.book.add({ key, id: `(not written: ${key})`, marker, ...this.placement(wt, owner) });
    }
    return this.pendingMarkers.get(key)!;
  }

  async seedTargets(): Promise<void> {
    await seed(this.w, this.w.tokens.backendWide!, this.targets);
  }

  /** Reads with the system token: status and version of a resource, and how many carry an identifier. */
  async stored(key: string): Promise<{ status: number; version?: string; subject?: string }> {
    const o = this.book.get(key);
    const r = await this.runner.send('backendWide', 'GET', `${o.type}/${o.id}`);
    return { status: r.status, version: r.json?.meta?.versionId, subject: r.json?.subject?.reference };
  }

  async count(type: string, key: string): Promise<number> {
    const r = await this.runner.send('backendWide', 'GET', `${type}?identifier=${encodeURIComponent(`${ID_SYSTEM}|ID-${key}`)}&_summary=count`);
    return r.json?.total;
  }

  /** 403 unless every permission is granted on the type. */
  gate(kind: KindName, type: string, perms: ('c' | 'r' | 'u' | 'd' | 's')[], then: () => Expect): Expect {
    return perms.every((p) => this.w.oracle.grantsOn(kind, type, p)) ? then() : { status: 403 };
  }

  /** A case that must leave `key` as it was unless it answered one of `changed` (then see `state`). */
  unchangedUnless(key: string, changed: number[], to?: PatientLabel | null): (status: number) => Promise<string[]> {
    return async (status) => (await this.state(key, changed.includes(status), to)).map((l) => `answered ${status}: ${l}`);
  }

  /**
   * Whether `key` is as seeded (version 1, same subject) or, when `changed`, was written (a version 2, or
   * deleted); a write that moved it to patient `to` must have stored that subject, and the book follows it.
   */
  async state(key: string, changed: boolean, to?: PatientLabel | null): Promise<string[]> {
    const s = await this.stored(key);
    const before = this.targetOwner.get(key);
    if (!changed) {
      const subject = before ? `Patient/${this.book.get(before).id}` : undefined;
      return s.status === 200 && s.version === '1' && s.subject === subject ? [] : [`${key} changed: ${s.status} version ${s.version} subject ${s.subject}`];
    }
    if (s.status === 410) {
      this.deleted.push(key);
      return [];
    }
    if (s.version !== '2') return [`${key} not written: version ${s.version} (${s.status})`];
    if (to && to !== before) {
      (this.book.get(key) as unknown as { owners: PatientLabel[] }).owners = [to];
      if (s.subject !== `Patient/${this.book.get(to).id}`) return [`${key} stored with subject ${s.subject}`];
    }
    return [];
  }

  /** A case that may create a resource with identifier `key`: there must be `expected(status)` of them after. */
  createdCount(wt: WriteType, key: string, expected: (status: number) => number): (status: number) => Promise<string[]> {
    return async (status) => {
      const n = await this.count(wt.type, key);
      return n === expected(status) ? [] : [`answered ${status}; ${n} resources with its identifier are stored, expected ${expected(status)}`];
    };
  }

  missingId(): string {
    return randomUUID();
  }

  /** Runs cases `concurrency` at a time: each answer judged, then the store checked. */
  async run(cases: WriteCase[], concurrency = 8): Promise<string[]> {
    const problems: string[] = [];
    for (let i = 0; i < cases.length; i += concurrency) {
      const found = await Promise.all(cases.slice(i, i + concurrency).map(async (c) => {
        const probe = c.probe();
        const { reply, lines } = await this.runner.judge(probe);
        return [...lines, ...(await c.verify(reply.status)).map((l) => `[${probe.kind}] ${probe.label}: ${l}`)];
      }));
      problems.push(...found.flat());
    }
    return problems;
  }
}
