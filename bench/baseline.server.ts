// The thin baseline of the access benchmark, run as a process of its own: node:http and a pg Pool on the FHIR
// server's database, no framework, no token, no validation, no FHIRPath. A read runs the server's primary-key
// SELECT on `resource`; a create runs the server's version-write statement (current, history and index rows)
// with index rows worked out once beforehand (see baseline-plan.ts). https://hl7.org/fhir/R4/http.html
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { Pool } from 'pg';
import type { BaselinePlan } from './baseline-plan';

const plan = JSON.parse(fs.readFileSync(process.env.BASELINE_PLAN!, 'utf8')) as BaselinePlan;
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: plan.poolSize, application_name: 'bench-baseline' });
const port = Number(process.env.PORT);
const base = `http://127.0.0.1:${port}/fhir`;
const READ = /^\/fhir\/([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})$/;
const JSON_TYPE = 'application/fhir+json; charset=utf-8';

interface CurrentRow {
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  content: string | null;
}

function answer(res: http.ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

async function read(res: http.ServerResponse, type: string, id: string): Promise<void> {
  const { rows } = await pool.query<CurrentRow>(plan.readStatement, [type, id]);
  const row = rows[0];
  if (!row || row.deleted || row.content === null) return answer(res, row ? 410 : 404, {}, '{"resourceType":"OperationOutcome"}');
  answer(res, 200, { etag: `W/"${row.version_id}"`, 'last-modified': row.last_updated.toUTCString() }, row.content);
}

/** The same parameters, in the same order, as ResourceRepository's version write for a first version. */
async function create(res: http.ServerResponse, type: string, text: string): Promise<void> {
  const body = JSON.parse(text) as { resourceType?: string; id?: string; meta?: Record<string, unknown> };
  if (body.resourceType !== type) return answer(res, 400, {}, '{"resourceType":"OperationOutcome"}');
  const id = randomUUID();
  const lastUpdated = new Date();
  const { resourceType, id: _ignored, meta, ...rest } = body;
  const content = JSON.stringify({ resourceType, id, meta: { ...(meta ?? {}), versionId: '1', lastUpdated: lastUpdated.toISOString() }, ...rest });
  await pool.query({
    name: 'baseline_create',
    text: plan.createStatement,
    values: [type, id, 1, lastUpdated, false, content, plan.compartments, 'POST', ...plan.indexParams],
  });
  answer(res, 201, { etag: 'W/"1"', 'last-modified': lastUpdated.toUTCString(), location: `${base}/${type}/${id}/_history/1` }, content);
}

const server = http.createServer((req, res) => {
  const fail = (err: unknown) => {
    console.error(err);
    if (!res.headersSent) answer(res, 500, {}, '{"resourceType":"OperationOutcome"}');
  };
  if (req.method === 'GET') {
    const m = READ.exec(req.url ?? '');
    if (!m) return answer(res, 404, {}, '{"resourceType":"OperationOutcome"}');
    read(res, m[1], m[2]).catch(fail);
    return;
  }
  if (req.method === 'POST' && req.url === `/fhir/${plan.createType}`) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => create(res, plan.createType, Buffer.concat(chunks).toString('utf8')).catch(fail));
    return;
  }
  answer(res, 405, {}, '{"resourceType":"OperationOutcome"}');
});
// Longer than any client's idle time, as Fastify's default is for the server.
server.keepAliveTimeout = 72_000;

server.listen(port, '127.0.0.1', () => console.log(`baseline ready at ${base}`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => pool.end().then(() => process.exit(0))));
}
