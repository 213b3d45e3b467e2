// The matrix of one resource type: every interaction for every caller kind, run in order on the type's own
// resources (one of patient A and one of B for a compartment type, one shared otherwise) so that each write
// can be checked against the exact version it must have left. https://hl7.org/fhir/R4/http.html
import { randomUUID } from 'node:crypto';
import { Interaction } from '../../../src/conformance/conformance.registry';
import { Placement } from './access-oracle';
import { World } from './access-world';
import { newMarker, withMarker } from './marker-book';
import { entryRefs, Expect, MatrixRunner, Probe, Reply } from './matrix-runner';
import { INVALID_KINDS, KindName } from './token-kinds';
import { KEY_TAG, typeResource } from './type-resources';

const PERMISSION_OF: Record<Interaction, 'c' | 'r' | 'u' | 'd' | 's'> = {
  read: 'r', vread: 'r', 'history-instance': 'r', 'history-type': 's', 'search-type': 's', create: 'c', update: 'u', patch: 'u', delete: 'd',
};

export interface Step {
  probe: () => Promise<Probe>;
  after?: (reply: Reply) => Promise<string[]>;
}

/** The callers of the per-type matrix: one of each way a type can be reached (their mirror images add nothing here). */
export const TYPE_KINDS: KindName[] = ['patientA', 'patientAread', 'patientAwrite', 'granular', 'practOrg', 'practOut', 'admin', 'backendNarrow', 'backendWide'];

export class TypeChain {
  private readonly versions = new Map<string, number>();
  readonly own: string;
  readonly other?: string;

  constructor(
    private readonly w: World,
    private readonly runner: MatrixRunner,
    readonly type: string,
    private readonly victims: Map<KindName, string>,
    private readonly supports: (interaction: Interaction) => boolean,
  ) {
    const compartment = w.oracle.compartment.has(type);
    this.own = type === 'Patient' ? 'A' : compartment ? `${type}~A` : `${type}~S`;
    this.other = type === 'Patient' ? 'B' : compartment ? `${type}~B` : undefined;
  }

  private at(key: string): string {
    return `${this.type}/${this.w.book.get(key).id}`;
  }

  private gate(kind: KindName, perms: ('c' | 'r' | 'u' | 'd' | 's')[], then: () => Expect): Expect {
    return perms.every((p) => this.w.oracle.grantsOn(kind, this.type, p)) ? then() : { status: 403 };
  }

  private sees(kind: KindName, key: string, perm: 'c' | 'r' | 'u' | 'd' | 's'): boolean {
    return this.w.oracle.sees(kind, this.w.book.get(key), perm);
  }

  /** The stored version of `key` must be the one this chain expects. */
  private async versionIs(key: string): Promise<string[]> {
    const r = await this.runner.send('backendWide', 'GET', this.at(key));
    const want = this.versions.get(key) ?? 1;
    return r.status === 200 && r.json?.meta?.versionId === String(want) ? [] : [`${key} is ${r.status} version ${r.json?.meta?.versionId}, expected version ${want}`];
  }

  private wrote(key: string, reply: Reply): Promise<string[]> {
    if (reply.status === 200) this.versions.set(key, (this.versions.get(key) ?? 1) + 1);
    return this.versionIs(key);
  }

  /** Reads: the own and the other resource, a version, a history, a search by _id, the type's history. */
  reads(kind: KindName): Step[] {
    const missing = randomUUID();
    const instance = (label: string, key: string, suffix: string): Step => ({
      probe: async () => ({
        label: `${label} ${key}`, kind, method: 'GET', path: `${this.at(key)}${suffix}`,
        expect: this.gate(kind, ['r'], () => (this.sees(kind, key, 'r') ? { status: 200 }
          : { status: 404, likeMissing: { path: `${this.type}/${missing}${suffix}`, id: this.w.book.get(key).id, missingId: missing } })),
      }),
    });
    const keys = [this.own, ...(this.other ? [this.other] : [])];
    const visible = keys.filter((k) => this.sees(kind, k, 's')).map((k) => this.at(k));
    const readableRefs = () => new Set(this.w.book.all().filter((o) => o.type === this.type && this.w.oracle.readable(kind, o)).map((o) => `${o.type}/${o.id}`));
    return [
      ...keys.map((k) => instance('read', k, '')),
      instance('vread', this.other ?? this.own, '/_history/1'),
      instance('history-instance', this.own, '/_history'),
      {
        probe: async () => ({
          label: 'search _id', kind, method: 'GET', path: `${this.type}?_id=${keys.map((k) => this.w.book.get(k).id).join(',')}&_total=accurate`,
          expect: this.gate(kind, ['s'], () => ({ status: 200, matches: visible, total: visible.length })),
        }),
      },
      {
        probe: async () => ({
          label: 'history-type', kind, method: 'GET', path: `${this.type}/_history?_count=1000`,
          expect: this.gate(kind, ['s'], () => ({
            status: 200,
            check: (r) => {
              const allowed = readableRefs();
              return [
                ...entryRefs(r.json).filter((ref) => !allowed.has(ref)).map((ref) => `history shows ${ref}, which it may not see`),
                ...visible.filter((ref) => !entryRefs(r.json).includes(ref)).map((ref) => `history lacks ${ref}`),
              ];
            },
          })),
        }),
      },
    ];
  }

  /** A new resource in the own resource's compartment: 201 where the caller may create it there, else 403. */
  create(kind: KindName): Step {
    const key = `${this.type}~new~${kind}`;
    const owned = this.w.book.get(this.own);
    const placement: Placement = this.type === 'Patient' ? { type: 'Patient', owners: [] } : owned;
    const patientRef = owned.owners[0] ? `Patient/${this.w.patientId[owned.owners[0]]}` : undefined;
    const marker = newMarker();
    this.w.book.add({ key, type: this.type, id: `(not written: ${key})`, marker, owners: [...placement.owners] });
    return {
      probe: async () => ({
        label: `create ${key}`, kind, method: 'POST', path: this.type, body: withMarker(typeResource(this.type, key, patientRef), marker),
        expect: this.gate(kind, ['c'], () => ({ status: this.w.oracle.sees(kind, placement, 'c') ? 201 : 403 })),
      }),
      after: async (reply) => {
        const id = /\/fhir\/[A-Za-z]+\/([^/]+)/.exec(reply.headers.get('location') ?? '')?.[1];
        if (id) this.w.book.get(key).id = id;
        const count = await this.runner.send('backendWide', 'GET', `${this.type}?_tag=${encodeURIComponent(`${KEY_TAG}|${key}`)}&_summary=count`);
        const want = reply.status === 201 ? 1 : 0;
        return count.json?.total === want ? [] : [`answered ${reply.status}; ${count.json?.total} stored, expected ${want}`];
      },
    };
  }

  /** Update (read-modify-write of the current content) and patch, each adding a tag. */
  writes(kind: KindName, key: string): Step[] {
    const missing = randomUUID();
    const hidden = !this.sees(kind, key, 'u');
    const update: Step = {
      probe: async () => {
        const current = (await this.runner.send('backendWide', 'GET', this.at(key))).json;
        const body = { ...current, meta: { tag: [...(current.meta?.tag ?? []), { system: 'http://example.org/changed', code: kind }] } };
        return {
          label: `update ${key}`, kind, method: 'PUT', path: this.at(key), body,
          expect: this.gate(kind, ['u'], () => (hidden
            ? { status: 405, likeMissing: { path: `${this.type}/${missing}`, id: current.id, missingId: missing, body: { ...body, id: missing } } }
            : { status: 200 })),
        };
      },
      after: (reply) => this.wrote(key, reply),
    };
    const patch: Step = {
      probe: async () => ({
        label: `patch ${key}`, kind, method: 'PATCH', path: this.at(key), body: [{ op: 'add', path: '/meta/tag/-', value: { system: 'http://example.org/patched', code: kind } }],
        // JSON Patch works on the stored content: it needs read as well as update
        expect: this.gate(kind, ['u', 'r'], () => (hidden || !this.sees(kind, key, 'r')
          ? { status: 404, likeMissing: { path: `${this.type}/${missing}`, id: this.w.book.get(key).id, missingId: missing } } : { status: 200 })),
      }),
      after: (reply) => this.wrote(key, reply),
    };
    return [update, patch];
  }

  /**
   * Delete: the caller's own victim where it may delete one, else the own resource, which must stay (or, for
   * a caller that may delete the own resource but has no victim, such as a patient and its own Patient, the
   * other one, hidden from it).
   */
  delete(kind: KindName): Step {
    const key = this.victims.get(kind) ?? (this.w.oracle.sees(kind, this.w.book.get(this.own), 'd') ? this.other! : this.own);
    return {
      probe: async () => ({ label: `delete ${key}`, kind, method: 'DELETE', path: this.at(key), expect: this.gate(kind, ['d'], () => ({ status: 204 })) }),
      after: async (reply) => {
        const r = await this.runner.send('backendWide', 'GET', this.at(key));
        const gone = reply.status === 204 && this.sees(kind, key, 'd');
        return r.status === (gone ? 410 : 200) ? [] : [`answered ${reply.status}; the resource then reads ${r.status}`];
      },
    };
  }

  /**
   * A type only the server writes (the audit trail): what it serves is searched within the caller's scopes,
   * and every other interaction answers 405 whatever the token, once it is authenticated.
   */
  serverWritten(kind: KindName): Step[] {
    const missing = randomUUID();
    const attempts: [Interaction, Probe['method'], string, unknown?][] = [
      ['read', 'GET', `${this.type}/${missing}`], ['vread', 'GET', `${this.type}/${missing}/_history/1`],
      ['history-instance', 'GET', `${this.type}/${missing}/_history`], ['history-type', 'GET', `${this.type}/_history`],
      ['create', 'POST', this.type, typeResource(this.type, `${this.type}~new~${kind}`)],
      ['update', 'PUT', `${this.type}/${missing}`, { ...typeResource(this.type, `${this.type}~put~${kind}`), id: missing }],
      ['patch', 'PATCH', `${this.type}/${missing}`, [{ op: 'add', path: '/meta/tag/-', value: { code: 'x' } }]],
      ['delete', 'DELETE', `${this.type}/${missing}`],
    ];
    const steps: Step[] = attempts.map(([interaction, method, path, body]) => ({
      probe: async () => ({
        label: `${interaction} (${this.supports(interaction) ? 'served' : 'not served'})`, kind, method, path, body,
        expect: this.supports(interaction) ? this.gate(kind, [interaction === 'history-type' ? 's' : 'r'], () => ({ status: 404 }))
          // which refusal comes first when both apply is not specified: either tells nothing about the data
          : this.gate(kind, [PERMISSION_OF[interaction]], () => ({ status: 405 })).status === 403 ? { status: [403, 405] } : { status: 405 },
      }),
    }));
    if (this.supports('search-type')) {
      steps.push({ probe: async () => ({ label: 'search', kind, method: 'GET', path: `${this.type}?_count=50`, expect: this.gate(kind, ['s'], () => ({ status: 200 })) }) });
    }
    return steps;
  }

  steps(): Step[] {
    if (!this.supports('create')) return [...TYPE_KINDS, ...INVALID_KINDS].flatMap((kind) => this.serverWritten(kind));
    const steps: Step[] = [];
    for (const kind of TYPE_KINDS) {
      steps.push(...this.reads(kind), this.create(kind), ...this.writes(kind, this.own));
      if (this.other && !this.sees(kind, this.other, 'u')) steps.push(...this.writes(kind, this.other));
    }
    for (const kind of INVALID_KINDS) steps.push(...this.reads(kind).slice(0, 1), this.create(kind), this.delete(kind));
    // deletes last, refused ones first, so the reads above found everything in place
    const order = [...TYPE_KINDS].sort((a, b) => Number(this.victims.has(a)) - Number(this.victims.has(b)));
    for (const kind of order) steps.push(this.delete(kind));
    return steps;
  }

  async run(): Promise<string[]> {
    const problems: string[] = [];
    for (const step of this.steps()) {
      const probe = await step.probe();
      const { reply, lines } = await this.runner.judge(probe);
      problems.push(...lines);
      if (step.after) problems.push(...(await step.after(reply)).map((l) => `[${probe.kind}] ${probe.label}: ${l}`));
    }
    return problems;
  }
}
