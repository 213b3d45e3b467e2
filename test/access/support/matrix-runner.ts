// Runs matrix cases over real HTTP in modest parallel batches and judges each answer: the status the oracle
// expects, the exact resources of a search or history, a refusal shaped as the spec asks (401 with
// WWW-Authenticate and an OperationOutcome, 403 OperationOutcome, a 404 identical to a missing resource's),
// and, on every answer, no marker of a resource the caller may not see.
import { World } from './access-world';
import { KINDS, KindName } from './token-kinds';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface Expect {
  status: number | readonly number[];
  /** An issue code (details.coding) the OperationOutcome of a refusal must carry. */
  code?: string;
  /** The exact `Type/id` set of a search's matches, or of a history's entries. */
  matches?: readonly string[];
  /** The exact `Type/id` set of a search's included resources. */
  includes?: readonly string[];
  total?: number;
  /** The answer must equal, apart from the id, the one for this path, which names an id that never existed. */
  likeMissing?: { path: string; id: string; missingId: string; body?: unknown };
  check?: (reply: Reply) => string[] | Promise<string[]>;
}

export interface Probe {
  label: string;
  kind: KindName;
  method: Method;
  /** Under the FHIR base, without the leading slash: `Observation/123`, `Observation?_id=1`, `` for the base; or `/admin/...`. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  expect: Expect;
}

const wanted = (s: Expect['status']) => (typeof s === 'number' ? [s] : s);

export function entryRefs(bundle: any, mode?: 'match' | 'include'): string[] {
  const refs: string[] = [];
  for (const e of bundle?.entry ?? []) {
    if (mode && e.search?.mode !== mode) continue;
    if (e.resource?.resourceType === 'OperationOutcome' && e.search?.mode === 'outcome') continue;
    const ref = e.resource ? `${e.resource.resourceType}/${e.resource.id}` : (e.request?.url ?? e.fullUrl ?? '').split('/').slice(-2).join('/');
    refs.push(ref);
  }
  return refs;
}

export class MatrixRunner {
  /** Cases judged so far in this file. */
  count = 0;

  constructor(private readonly world: World) {}

  async send(kind: KindName, method: Method, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const token = this.world.tokens[kind];
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    // A path starting with '/' is under the server's origin (the admin routes), any other under the FHIR base.
    const url = path.startsWith('/') ? `${this.world.t.origin}${path}` : `${this.world.t.fhirBase}${path === '' ? '' : `/${path}`}`;
    const res = await fetch(url, {
      method, body: text,
      headers: {
        accept: 'application/fhir+json',
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        ...(text !== undefined ? { 'content-type': method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json' } : {}),
        ...headers,
      },
    });
    const raw = await res.text();
    let json: unknown;
    try {
      json = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text: raw, json };
  }

  /** Runs every probe, `concurrency` at a time; returns one line per problem found. */
  async run(probes: Probe[], concurrency = 8): Promise<string[]> {
    const problems: string[] = [];
    for (let i = 0; i < probes.length; i += concurrency) {
      const batch = probes.slice(i, i + concurrency);
      const found = await Promise.all(batch.map((p) => this.judge(p)));
      for (const { lines } of found) problems.push(...lines);
    }
    return problems;
  }

  /** One probe: its answer, and one line per problem with it. */
  async judge(p: Probe): Promise<{ reply: Reply; lines: string[] }> {
    this.count++;
    const reply = await this.send(p.kind, p.method, p.path, p.body, p.headers);
    const shown = p.path.startsWith('/') ? p.path : `/fhir/${p.path}`;
    const lines = (await this.problems(p, reply)).map((line) => `[${p.kind}] ${p.label}: ${p.method} ${shown} -> ${line}`);
    return { reply, lines };
  }

  private async problems(p: Probe, reply: Reply): Promise<string[]> {
    const out: string[] = [];
    const sent = p.body === undefined ? '' : JSON.stringify(p.body);
    for (const leak of this.world.book.leaks(reply.text, p.kind, this.world.oracle, sent)) out.push(`LEAK of ${leak}`);
    const kind = KINDS[p.kind];
    if (!kind.valid) {
      if (reply.status !== 401) out.push(`expected 401, got ${reply.status} ${reply.text.slice(0, 300)}`);
      if (!/^Bearer\b/.test(reply.headers.get('www-authenticate') ?? '')) out.push(`401 without WWW-Authenticate: Bearer (${reply.headers.get('www-authenticate')})`);
      if (reply.json?.resourceType !== 'OperationOutcome') out.push('401 without an OperationOutcome');
      return out;
    }
    const e = p.expect;
    if (!wanted(e.status).includes(reply.status)) {
      out.push(`expected ${wanted(e.status).join(' or ')}, got ${reply.status} ${reply.text.slice(0, 240)}`);
      return out;
    }
    if (reply.status >= 400) {
      if (reply.json?.resourceType !== 'OperationOutcome') out.push(`${reply.status} without an OperationOutcome`);
      const codes = (reply.json?.issue ?? []).flatMap((i: any) => (i.details?.coding ?? []).map((c: any) => c.code));
      if (e.code && !codes.includes(e.code)) out.push(`expected issue code ${e.code}, got ${codes.join(',')}`);
      if (reply.status === 404 && (reply.headers.get('etag') || reply.headers.get('last-modified'))) out.push('a 404 with ETag or Last-Modified');
    }
    if (reply.status < 300 || reply.status === 404) {
      if (e.matches && reply.status === 200) out.push(...this.compare('matches', entryRefs(reply.json, reply.json?.type === 'searchset' ? 'match' : undefined), e.matches));
      if (e.includes && reply.status === 200) out.push(...this.compare('includes', entryRefs(reply.json, 'include'), e.includes));
      if (e.total !== undefined && reply.status === 200 && reply.json?.total !== e.total) out.push(`expected total ${e.total}, got ${reply.json?.total}`);
    }
    if (e.likeMissing && reply.status >= 400) out.push(...(await this.likeMissing(p, reply)));
    if (e.check && wanted(e.status).includes(reply.status)) out.push(...(await e.check(reply)));
    return out;
  }

  private name(ref: string): string {
    const [type, id] = ref.split('/');
    const owned = this.world.book.all().find((o) => o.type === type && o.id === id);
    return owned ? owned.key : ref;
  }

  private compare(what: string, actual: string[], expected: readonly string[]): string[] {
    const a = [...new Set(actual)].sort();
    const x = [...new Set(expected)].sort();
    if (JSON.stringify(a) === JSON.stringify(x)) return [];
    return [`${what}: expected [${x.map((r) => this.name(r)).join(', ')}], got [${a.map((r) => this.name(r)).join(', ')}]`];
  }

  /** A hidden resource must answer as an id that never existed does: same status, body (id aside) and headers. */
  private async likeMissing(p: Probe, reply: Reply): Promise<string[]> {
    const { path, id, missingId, body } = p.expect.likeMissing!;
    const control = await this.send(p.kind, p.method, path, body ?? p.body, p.headers);
    const out: string[] = [];
    const norm = (text: string, x: string) => text.split(x).join('<id>');
    if (control.status !== reply.status) out.push(`answers ${reply.status} where a missing id answers ${control.status}`);
    if (norm(reply.text, id) !== norm(control.text, missingId)) out.push(`body differs from a missing id's: ${reply.text.slice(0, 200)} vs ${control.text.slice(0, 200)}`);
    for (const h of ['etag', 'last-modified', 'location', 'content-location']) {
      if ((reply.headers.get(h) === null) !== (control.headers.get(h) === null)) out.push(`header ${h} differs from a missing id's`);
    }
    return out;
  }
}
