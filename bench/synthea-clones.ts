// Synthea patient transaction Bundles as templates for as many distinct patients as a benchmark asks for: each
// clone gets fresh urn:uuid fullUrls and references (every UUID of the template is remapped consistently), fresh
// identifier values, and every date, dateTime and instant shifted by one random whole number of days.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';

type Json = Record<string, any>;

const UUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const IDENT_MARK = '@@bench-ident-';
// One pass over the template text: a UUID anywhere, a JSON string that is a whole date or dateTime (only its
// YYYY-MM-DD part changes, so precision and offset stay as written), or an identifier value marked beforehand.
const SLOT = new RegExp(`(${UUID.source})|"(\\d{4}-\\d{2}-\\d{2})(?:T[^"]*)?"|${IDENT_MARK}(\\d+)@@`, 'g');
const DAY_MS = 86_400_000;

type Slot = { kind: 'uuid'; index: number } | { kind: 'date'; date: string } | { kind: 'ident'; value: string };

export interface ObservationFacts {
  /** `system|code` of every coding of Observation.code, with how many Observations of the template carry it. */
  codes: Map<string, number>;
  /** Dates (YYYY-MM-DD) of Observation.effectiveDateTime, unshifted. */
  dates: string[];
  /** One valueQuantity per `system|code`, for quantity and composite searches. */
  quantities: Map<string, { value: number; system?: string; code?: string }>;
}

export interface Template {
  file: string;
  /** Entries, that is resources, per clone. */
  resources: number;
  /** Literal text around the slots: literals[i] comes before slots[i]; one more literal than slots. */
  literals: string[];
  slots: Slot[];
  uuidCount: number;
  /** Index of the Patient entry, whose response location names the new patient. */
  patientEntry: number;
  observations: ObservationFacts;
  byType: Map<string, number>;
  /** The Patient's first family name, for string and chained searches. */
  family: string;
}

export interface Clone {
  text: string;
  shiftDays: number;
  resources: number;
}

/** A small seeded generator (mulberry32), so a run can be repeated with the same shifts and samples. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Replaces the value of every identifier (anywhere in a resource) that is not a UUID with a numbered mark. */
function markIdentifiers(value: unknown, marked: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) markIdentifiers(item, marked);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const obj = value as Json;
  for (const key of Object.keys(obj)) {
    const member = obj[key];
    if (key === 'identifier') {
      for (const ident of Array.isArray(member) ? member : [member]) {
        if (ident && typeof ident.value === 'string' && !UUID.test(ident.value)) {
          marked.push(ident.value);
          ident.value = `${IDENT_MARK}${marked.length - 1}@@`;
        }
      }
    }
    markIdentifiers(member, marked);
  }
}

function observationFacts(entries: Json[]): ObservationFacts {
  const codes = new Map<string, number>();
  const dates: string[] = [];
  const quantities: ObservationFacts['quantities'] = new Map();
  for (const e of entries) {
    const r = e.resource as Json;
    if (r.resourceType !== 'Observation') continue;
    for (const c of (r.code?.coding ?? []) as Json[]) {
      if (!c.system || !c.code) continue;
      const key = `${c.system}|${c.code}`;
      codes.set(key, (codes.get(key) ?? 0) + 1);
      const q = r.valueQuantity as Json | undefined;
      if (typeof q?.value === 'number' && !quantities.has(key)) quantities.set(key, { value: q.value, system: q.system, code: q.code });
    }
    if (typeof r.effectiveDateTime === 'string') dates.push(r.effectiveDateTime.slice(0, 10));
  }
  return { codes, dates, quantities };
}

export function prepareTemplate(file: string): Template {
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'transaction') throw new Error(`${file} is not a transaction Bundle`);
  const entries = bundle.entry as Json[];
  const patientEntry = entries.findIndex((e) => e.resource?.resourceType === 'Patient');
  if (patientEntry < 0) throw new Error(`${file} has no Patient`);
  const family = String(entries[patientEntry].resource.name?.[0]?.family ?? '');
  const byType = new Map<string, number>();
  for (const e of entries) byType.set(e.resource.resourceType, (byType.get(e.resource.resourceType) ?? 0) + 1);
  const observations = observationFacts(entries);
  const marked: string[] = [];
  markIdentifiers(entries, marked);
  const text = JSON.stringify(bundle);

  const literals: string[] = [];
  const slots: Slot[] = [];
  const uuidIndex = new Map<string, number>();
  let at = 0;
  for (const m of text.matchAll(SLOT)) {
    let start = m.index!;
    let end = start + m[0].length;
    let slot: Slot;
    if (m[1] !== undefined) {
      const key = m[1].toLowerCase();
      if (!uuidIndex.has(key)) uuidIndex.set(key, uuidIndex.size);
      slot = { kind: 'uuid', index: uuidIndex.get(key)! };
    } else if (m[2] !== undefined) {
      start += 1; // after the opening quote; the time part and the closing quote stay literal
      end = start + 10;
      slot = { kind: 'date', date: m[2] };
    } else {
      slot = { kind: 'ident', value: JSON.stringify(marked[Number(m[3])]).slice(1, -1) };
    }
    literals.push(text.slice(at, start));
    slots.push(slot);
    at = end;
  }
  literals.push(text.slice(at));
  return { file, resources: entries.length, literals, slots, uuidCount: uuidIndex.size, patientEntry, observations, byType, family };
}

/** YYYY-MM-DD moved by `days`. */
export function shiftDate(date: string, days: number): string {
  const ms = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) + days * DAY_MS;
  return new Date(ms).toISOString().slice(0, 10);
}

/** The text of clone number `n` of `t`: new UUIDs, identifier values suffixed with the clone number, dates moved. */
export function cloneText(t: Template, n: number, shiftDays: number): string {
  const uuids = Array.from({ length: t.uuidCount }, () => randomUUID());
  const shifted = new Map<string, string>();
  const parts: string[] = [];
  for (let i = 0; i < t.slots.length; i++) {
    parts.push(t.literals[i]);
    const s = t.slots[i];
    if (s.kind === 'uuid') parts.push(uuids[s.index]);
    else if (s.kind === 'ident') parts.push(`${s.value}-b${n}`);
    else {
      let d = shifted.get(s.date);
      if (d === undefined) shifted.set(s.date, (d = shiftDate(s.date, shiftDays)));
      parts.push(d);
    }
  }
  parts.push(t.literals[t.literals.length - 1]);
  return parts.join('');
}

/** Where the templates come from: the repository's fixtures first, else the shared data folder, else BENCH_BUNDLES. */
export function templateFiles(repoRoot: string): { source: string; files: string[] } {
  const fromEnv = process.env.BENCH_BUNDLES;
  const dirs = fromEnv
    ? [fromEnv]
    : [path.join(repoRoot, 'test', 'fixtures', 'synthea'), path.join(repoRoot, 'test', 'fixtures', 'synthea-import', 'bundles')];
  let files = dirs.flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => path.join(d, f)) : []));
  let source = dirs.map((d) => path.relative(repoRoot, d) || d).join(', ');
  if (files.length === 0 && !fromEnv) {
    const shared = path.join(repoRoot, '..', 'shared', 'fhir-data', 'synthea', 'bundles');
    if (fs.existsSync(shared)) {
      files = fs.readdirSync(shared).filter((f) => f.endsWith('.json')).map((f) => path.join(shared, f));
      source = shared;
    }
  }
  // Only patient Bundles: the hospital and practitioner Bundles hold no Patient.
  files = files.filter((f) => !/^(practitioner|hospital)Information/.test(path.basename(f))).sort();
  if (files.length === 0) throw new Error('No Synthea patient Bundles found (test/fixtures/synthea, ../shared/fhir-data/synthea/bundles or BENCH_BUNDLES)');
  return { source, files };
}

export class CloneFactory {
  readonly templates: Template[];
  private readonly random: () => number;

  constructor(files: string[], seed: number, private readonly maxShiftDays: number) {
    this.templates = files.map(prepareTemplate);
    this.random = seededRandom(seed);
  }

  /** Clone number `n` cycles through the templates; its shift is a whole number of days in [-maxShiftDays, 0]. */
  make(n: number): Clone & { template: Template } {
    const template = this.templates[n % this.templates.length];
    const shiftDays = -Math.floor(this.random() * (this.maxShiftDays + 1));
    return { template, text: cloneText(template, n, shiftDays), shiftDays, resources: template.resources };
  }
}
