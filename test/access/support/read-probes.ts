// Probes of the read paths of one resource (read, vread, history-instance, search by _id, identifier, POST
// _search, _summary=count) and of whole types (search, history-type, history-system), with the answer the
// oracle expects for a caller. https://hl7.org/fhir/R4/http.html
import { randomUUID } from 'node:crypto';
import { World } from './access-world';
import { Owned } from './marker-book';
import { Expect, Probe } from './matrix-runner';
import { KindName } from './token-kinds';
import { ID_SYSTEM } from './seed-records';

const ref = (o: Owned) => `${o.type}/${o.id}`;

/** 403 without the permission on the type; else what `found` says. */
function gated(w: World, kind: KindName, type: string, perm: 'r' | 's', found: () => Expect): Expect {
  return w.oracle.grantsOn(kind, type, perm) ? found() : { status: 403 };
}

/** read, vread and history-instance: 200 when the caller reaches the resource, else exactly a missing id's 404. */
export function instanceProbes(w: World, kind: KindName, o: Owned): Probe[] {
  const missingId = randomUUID();
  const seen = w.oracle.sees(kind, o, 'r');
  const paths: [string, string, string, (Expect['matches'])?][] = [
    ['read', `${o.type}/${o.id}`, `${o.type}/${missingId}`],
    ['vread', `${o.type}/${o.id}/_history/1`, `${o.type}/${missingId}/_history/1`],
    ['history-instance', `${o.type}/${o.id}/_history`, `${o.type}/${missingId}/_history`, [ref(o)]],
  ];
  return paths.map(([label, path, missingPath, matches]) => ({
    label: `${label} ${o.key}`, kind, method: 'GET', path,
    expect: gated(w, kind, o.type, 'r', () => (seen
      ? { status: 200, matches, check: (r) => (label === 'read' && !r.headers.get('etag') ? ['a read without ETag'] : []) }
      : { status: 404, likeMissing: { path: missingPath, id: o.id, missingId } })),
  }));
}

/** Searches that name one resource: by _id (GET and POST _search), by identifier, and counted. */
export function findProbes(w: World, kind: KindName, o: Owned, options: { identifier?: boolean } = {}): Probe[] {
  const found = w.oracle.sees(kind, o, 's') ? [ref(o)] : [];
  const expect = (): Expect => ({ status: 200, matches: found, total: found.length });
  const probes: Probe[] = [
    { label: `search _id ${o.key}`, kind, method: 'GET', path: `${o.type}?_id=${o.id}&_total=accurate`, expect: gated(w, kind, o.type, 's', expect) },
    {
      label: `_summary=count _id ${o.key}`, kind, method: 'GET', path: `${o.type}?_id=${o.id}&_summary=count`,
      expect: gated(w, kind, o.type, 's', () => ({ status: 200, total: found.length, matches: [] })),
    },
    {
      label: `POST _search _id ${o.key}`, kind, method: 'POST', path: `${o.type}/_search`, body: `_id=${o.id}&_total=accurate`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, expect: gated(w, kind, o.type, 's', expect),
    },
  ];
  if (options.identifier !== false) {
    probes.push({
      label: `search identifier ${o.key}`, kind, method: 'GET', path: `${o.type}?identifier=${encodeURIComponent(`${ID_SYSTEM}|ID-${o.key}`)}&_total=accurate`,
      expect: gated(w, kind, o.type, 's', expect),
    });
  }
  return probes;
}

/** Every resource of `type` in the book the caller may find. */
export function visibleOf(w: World, kind: KindName, type: string | undefined, perm: 'r' | 's' = 's'): string[] {
  return w.book.all().filter((o) => (type === undefined || o.type === type) && w.oracle.sees(kind, o, perm)).map(ref);
}

/** A whole type searched, counted, and its history; the system history. Exact only while nothing else is written. */
export function typeProbes(w: World, kind: KindName, type: string): Probe[] {
  const visible = visibleOf(w, kind, type);
  return [
    { label: `search all ${type}`, kind, method: 'GET', path: `${type}?_count=200&_total=accurate`, expect: gated(w, kind, type, 's', () => ({ status: 200, matches: visible, total: visible.length })) },
    { label: `_summary=count ${type}`, kind, method: 'GET', path: `${type}?_summary=count`, expect: gated(w, kind, type, 's', () => ({ status: 200, total: visible.length })) },
    { label: `history-type ${type}`, kind, method: 'GET', path: `${type}/_history?_count=200`, expect: gated(w, kind, type, 's', () => ({ status: 200, matches: visible })) },
    {
      // The planner's estimate describes the whole table: only a caller who sees all of it may be given one.
      label: `_total=estimate ${type}`, kind, method: 'GET', path: `${type}?_total=estimate&_count=1`,
      expect: gated(w, kind, type, 's', () => (visible.length === w.book.all().filter((o) => o.type === type).length ? { status: 200 } : { status: 200, total: visible.length })),
    },
  ];
}

export function systemHistoryProbe(w: World, kind: KindName): Probe {
  const visible = visibleOf(w, kind, undefined);
  // A caller that may search nothing at all may be refused outright, or shown an empty history.
  const types = [...new Set(w.book.all().map((o) => o.type))];
  const searchesSomething = types.some((t) => w.oracle.grantsOn(kind, t, 's'));
  return { label: 'history-system', kind, method: 'GET', path: '_history?_count=500', expect: { status: searchesSomething ? 200 : [200, 403], matches: visible } };
}
