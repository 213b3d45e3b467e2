// The searches the benchmark times, each as a list of engine URLs and the same search as hand-written SQL on the
// index tables: Observation by patient and code, Observation by code and date, and paging through a common
// category. Samples are drawn from what was loaded (a seeded generator), and a few are checked to give the same
// page both ways before anything is timed.
import { Client } from 'pg';
import { Statement } from './measure-worker';
import { seededRandom, shiftDate, Template } from './synthea-clones';
import { LoadedPatient } from './synthea-load';

export const VITAL_SIGNS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';
/** The engine's default page (FHIR_DEFAULT_PAGE_SIZE) plus the one row it reads to know whether more follow. */
export const PAGE_ROWS = 21;

const LIVE_OBSERVATION = `SELECT r.id, r.content FROM resource r WHERE r.resource_type = 'Observation' AND NOT r.deleted`;
const BY_CODE = `r.id IN (SELECT c.resource_id FROM search_token c WHERE c.resource_type = 'Observation' AND c.param = 'code' AND c.system = $1 AND c.code = $2)`;

/** Observation?patient=X&code=system|code, first page. */
export const PATIENT_CODE_SQL = `${LIVE_OBSERVATION}
  AND r.id IN (SELECT p.resource_id FROM search_reference p WHERE p.resource_type = 'Observation' AND p.param = 'patient' AND p.target_id = $3)
  AND ${BY_CODE}
ORDER BY r.id LIMIT ${PAGE_ROWS}`;

/** Observation?code=system|code&date=geZ, first page: ge is "ends after the day Z" or "lies within day Z". */
export const CODE_DATE_SQL = `${LIVE_OBSERVATION}
  AND ${BY_CODE}
  AND r.id IN (SELECT d.resource_id FROM search_date d WHERE d.resource_type = 'Observation' AND d.param = 'date'
               AND (d.high > $4 OR (d.low >= $3 AND d.high <= $4)))
ORDER BY r.id LIMIT ${PAGE_ROWS}`;

/** Observation?category=system|code in pages of 1,000 by id (keyset: $3 is the last id of the previous page). */
export const CATEGORY_PAGE_SQL = `${LIVE_OBSERVATION}
  AND r.id IN (SELECT c.resource_id FROM search_token c WHERE c.resource_type = 'Observation' AND c.param = 'category' AND c.system = $1 AND c.code = $2)
  AND r.id > $3
ORDER BY r.id LIMIT 1000`;

export interface QuerySample {
  /** Path and query after [base], e.g. /Observation?patient=...&code=... */
  path: string;
  sql: Statement;
}

/** Codes of Observations over everything loaded, most frequent first. */
export function codeFrequencies(templates: Template[], patients: LoadedPatient[]): [string, number][] {
  const perTemplate = new Map<number, number>();
  for (const p of patients) perTemplate.set(p.template, (perTemplate.get(p.template) ?? 0) + 1);
  const total = new Map<string, number>();
  for (const [t, clones] of perTemplate) {
    for (const [code, n] of templates[t].observations.codes) total.set(code, (total.get(code) ?? 0) + n * clones);
  }
  return [...total.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function splitToken(token: string): [string, string] {
  const bar = token.indexOf('|');
  return [token.slice(0, bar), token.slice(bar + 1)];
}

function dayAfter(day: string): string {
  return `${shiftDate(day, 1)}T00:00:00.000Z`;
}

export function patientCodeSamples(templates: Template[], patients: LoadedPatient[], count: number, seed: number): QuerySample[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const p = patients[Math.floor(random() * patients.length)];
    const codes = [...templates[p.template].observations.codes.keys()];
    const code = codes[Math.floor(random() * codes.length)];
    const [system, value] = splitToken(code);
    return {
      path: `/Observation?patient=${p.id}&code=${encodeURIComponent(code)}`,
      sql: { text: PATIENT_CODE_SQL, values: [system, value, p.id] },
    };
  });
}

/** Y among the ten most frequent codes; Z the (shifted) date of a random loaded Observation. */
export function codeDateSamples(templates: Template[], patients: LoadedPatient[], count: number, seed: number): QuerySample[] {
  const random = seededRandom(seed);
  const common = codeFrequencies(templates, patients).slice(0, 10).map(([code]) => code);
  return Array.from({ length: count }, () => {
    const code = common[Math.floor(random() * common.length)];
    const p = patients[Math.floor(random() * patients.length)];
    const dates = templates[p.template].observations.dates;
    const day = shiftDate(dates[Math.floor(random() * dates.length)], p.shiftDays);
    const [system, value] = splitToken(code);
    return {
      path: `/Observation?code=${encodeURIComponent(code)}&date=ge${day}`,
      sql: { text: CODE_DATE_SQL, values: [system, value, `${day}T00:00:00.000Z`, dayAfter(day)] },
    };
  });
}

interface SearchBundle {
  entry?: { resource?: { id: string }; search?: { mode?: string } }[];
}

/** Compares the first page of the engine with the hand-written SQL for a few samples (ids in the same order). */
export async function checkSamples(
  fhirBase: string,
  headers: Record<string, string>,
  db: Client,
  samples: QuerySample[],
): Promise<{ checked: number; differing: number; examples: string[] }> {
  let differing = 0;
  const examples: string[] = [];
  for (const s of samples) {
    const res = await fetch(`${fhirBase}${s.path}`, { headers });
    if (res.status !== 200) throw new Error(`GET ${s.path}: HTTP ${res.status} ${(await res.text()).slice(0, 500)}`);
    const bundle = (await res.json()) as SearchBundle;
    const engine = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id);
    const hand = (await db.query<{ id: string }>(s.sql.text, s.sql.values)).rows.map((r) => r.id).slice(0, PAGE_ROWS - 1);
    if (engine.join() !== hand.join()) {
      differing++;
      if (examples.length < 3) examples.push(`${s.path}: engine ${engine.length} rows, SQL ${hand.length} rows`);
    }
  }
  return { checked: samples.length, differing, examples };
}
