// EXPLAIN ANALYZE of the SQL the search engine generates, one search per parameter type (and for chains, _has,
// _sort and a second page): each search is parsed by the running application's SearchEngine and turned into the
// page statement by the same builder the search interaction uses, then explained with its bound values.
import { Client } from 'pg';
import { INestApplication } from '@nestjs/common';
import { SearchEngine } from '../src/search/search.engine';
import { countStatement, pageStatement } from '../src/search/query/search.sql';
import { Query } from '../src/search/query/search-request';

export interface ExplainCase {
  /** What the case shows, e.g. "token". */
  kind: string;
  type: string;
  query: Query;
  /** Explain the count the interaction runs for Bundle.total instead of the page. */
  count?: boolean;
  /** A keyset position: explain the page after this id. */
  afterId?: string;
  /** Why the case has no matching data, when it has none. */
  note?: string;
}

export interface ExplainFigure {
  kind: string;
  search: string;
  statement: 'page' | 'count';
  /** Index Scan, Index Only Scan or Bitmap Index Scan on a search_* or resource index somewhere in the plan. */
  usesIndex: boolean;
  indexes: string[];
  /** Tables read by a sequential scan. */
  seqScans: string[];
  executionMs: number;
  planningMs: number;
  rows: number;
  note?: string;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (n: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

function describeSearch(c: ExplainCase): string {
  const params = Object.entries(c.query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}=${x}`));
  return `${c.type}?${params.join('&')}${c.afterId ? ' (page after a cursor)' : ''}`;
}

/** Runs every case; returns the figures and the full text plans. */
export async function explainCases(app: INestApplication, databaseUrl: string, fhirBaseUrl: string, cases: ExplainCase[]): Promise<{ figures: ExplainFigure[]; text: string }> {
  const engine = app.get(SearchEngine);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const figures: ExplainFigure[] = [];
  const text: string[] = [];
  try {
    for (const c of cases) {
      const request = engine.parse(c.type, c.query);
      if (request.unknown.length > 0) throw new Error(`${describeSearch(c)}: unknown parameters ${request.unknown.join(', ')}`);
      const { sql, params } = c.count
        ? countStatement({ request, fhirBaseUrl }, 10_000)
        : pageStatement({ request, count: 20, fhirBaseUrl, after: c.afterId ? { id: c.afterId, values: [] } : undefined });
      // The text plan first, so the timed JSON run sees the same warm cache the latency runs do.
      const plain = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
      const json = await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
      const [plan] = json.rows[0]['QUERY PLAN'] as { Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }[];
      const indexes = new Set<string>();
      const seqScans = new Set<string>();
      walk(plan.Plan, (n) => {
        if (n['Index Name'] && /Index/.test(n['Node Type'])) indexes.add(n['Index Name']);
        if (n['Node Type'] === 'Seq Scan' && n['Relation Name']) seqScans.add(n['Relation Name']);
      });
      const search = describeSearch(c);
      figures.push({
        kind: c.kind,
        search,
        statement: c.count ? 'count' : 'page',
        usesIndex: [...indexes].some((i) => /^(search_|resource)/.test(i)),
        indexes: [...indexes],
        seqScans: [...seqScans],
        executionMs: plan['Execution Time'],
        planningMs: plan['Planning Time'],
        rows: plan.Plan['Actual Rows'] ?? 0,
        note: c.note,
      });
      text.push(
        `=== ${c.kind}: ${search}${c.count ? ' [count statement]' : ''}`,
        sql,
        `-- parameters: ${JSON.stringify(params)}`,
        ...plain.rows.map((r: Record<string, string>) => r['QUERY PLAN']),
        '',
      );
    }
  } finally {
    await db.end();
  }
  return { figures, text: text.join('\n') };
}

export interface ExplainPicks {
  patientId: string;
  /** A code among that patient's Observations. */
  patientCode: string;
  family: string;
  /** The most frequent Observation code, `system|code`. */
  commonCode: string;
  /** A code with a quantity value, and a value to compare with. */
  quantityCode: string;
  quantity: { value: number; system?: string; code?: string };
  /** A YYYY-MM-DD day inside the loaded data. */
  day: string;
  /** An Observation id to page after. */
  afterId: string;
}

const round = (n: number) => String(Math.round(n));

/** One search per parameter type, plus chain, _has, _sort, a second page and the two searches timed over HTTP. */
export function explainCasesFor(p: ExplainPicks): ExplainCase[] {
  const unit = `${p.quantity.system ?? ''}|${p.quantity.code ?? ''}`;
  return [
    { kind: 'string', type: 'Patient', query: { name: p.family } },
    { kind: 'token', type: 'Observation', query: { code: p.commonCode } },
    { kind: 'token (count for total)', type: 'Observation', query: { code: p.commonCode }, count: true },
    { kind: 'date', type: 'Observation', query: { date: `ge${p.day}` } },
    { kind: 'number', type: 'RiskAssessment', query: { probability: 'gt0.5' }, note: 'no RiskAssessment in the Synthea data' },
    { kind: 'quantity', type: 'Observation', query: { 'value-quantity': `gt${round(p.quantity.value)}|${unit}` } },
    { kind: 'reference', type: 'Observation', query: { subject: `Patient/${p.patientId}` } },
    { kind: 'uri', type: 'Observation', query: { _profile: 'http://hl7.org/fhir/StructureDefinition/vitalsigns' }, note: 'no meta.profile in the Synthea data' },
    { kind: 'composite', type: 'Observation', query: { 'code-value-quantity': `${p.quantityCode}$gt${round(p.quantity.value)}` } },
    { kind: 'chain', type: 'Observation', query: { 'subject:Patient.name': p.family } },
    { kind: '_has', type: 'Patient', query: { '_has:Observation:patient:code': p.quantityCode } },
    { kind: '_sort', type: 'Observation', query: { code: p.commonCode, _sort: '-date' } },
    { kind: 'token, next page', type: 'Observation', query: { category: 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs' }, afterId: p.afterId },
    { kind: 'patient + code', type: 'Observation', query: { patient: p.patientId, code: p.patientCode } },
    { kind: 'code + date', type: 'Observation', query: { code: p.commonCode, date: `ge${p.day}` } },
  ];
}
