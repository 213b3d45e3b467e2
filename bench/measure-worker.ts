// The load generator, run in a worker thread so that its own work does not sit on the server's event loop: a fixed
// number of clients sending a list of HTTP requests or SQL statements, each timed from send to last byte (for a
// count of requests, or for a fixed time after a warm-up, counting non-2xx answers as errors); and a single client
// paging through a search (HTTP next links, or keyset SQL).
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'pg';

export interface Statement {
  text: string;
  values: unknown[];
}

/** `seconds`: stop starting new requests after this long (at least `concurrency` requests are recorded). */
export type Job =
  | { kind: 'http'; headers: Record<string, string>; urls: string[]; concurrency: number; warmup: number; seconds: number }
  | { kind: 'sql'; databaseUrl: string; statements: Statement[]; concurrency: number; warmup: number; seconds: number }
  /**
   * `concurrency` keep-alive connections, each sending its next request when the previous answer has arrived, for
   * `warmupSeconds` unrecorded and then `seconds` recorded; `urls` are used in turn, every request with the same
   * `body`. Any answer other than 2xx (or a failed connection) is counted as an error, not thrown.
   */
  | { kind: 'http-timed'; method: 'GET' | 'POST'; urls: string[]; headers: Record<string, string>; body?: string; concurrency: number; warmupSeconds: number; seconds: number }
  /** GETs `url`, then every `next` link, until `limit` matches have arrived or no next link is left. */
  | { kind: 'http-pages'; headers: Record<string, string>; url: string; limit: number }
  /** Runs `text` with `values` plus the last id seen ('' at first) as the final parameter, until `limit` rows. */
  | { kind: 'sql-pages'; databaseUrl: string; text: string; values: unknown[]; limit: number };

export interface JobResult {
  /** Milliseconds per request (or per page), in the order they finished. */
  latencies: number[];
  seconds: number;
  /** Matches (HTTP: entries with search.mode match) or rows received. */
  results: number;
  bytes: number;
  /** http-timed: answers that were not 2xx, and failed requests. */
  errors?: number;
  /** http-timed: how many answers of each status (0: no answer). */
  statuses?: Record<string, number>;
  /** http-timed: the first few errors, for the report. */
  errorSamples?: string[];
  /** http-timed: requests made during the warm-up (not recorded). */
  warmupRequests?: number;
}

const MATCH = '"mode":"match"';

function countMatches(body: string): number {
  let n = 0;
  for (let i = body.indexOf(MATCH); i >= 0; i = body.indexOf(MATCH, i + MATCH.length)) n++;
  return n;
}

/** The next link of a searchset, read from the text: the server writes links before the entries, without spaces. */
function nextLink(body: string): string | undefined {
  const links = /"link":(\[[^\]]*\])/.exec(body);
  if (!links) return undefined;
  return (JSON.parse(links[1]) as { relation: string; url: string }[]).find((l) => l.relation === 'next')?.url;
}

function get(agent: http.Agent, url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`GET ${url}: HTTP ${res.statusCode} ${body.slice(0, 300)}`));
        else resolve(body);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function send(agent: http.Agent, method: string, url: string, headers: Record<string, string>, body: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Closed-loop load for a fixed time: see the http-timed job. */
async function timedLoad(job: Extract<Job, { kind: 'http-timed' }>): Promise<JobResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const headers = job.body === undefined ? job.headers : { ...job.headers, 'content-length': String(Buffer.byteLength(job.body)) };
  let next = 0;
  const phase = async (seconds: number, out: JobResult) => {
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: job.concurrency }, async () => {
      while (performance.now() < deadline) {
        const url = job.urls[next++ % job.urls.length];
        const t0 = performance.now();
        let status = 0;
        let text = '';
        try {
          ({ status, body: text } = await send(agent, job.method, url, headers, job.body));
        } catch (err) {
          text = (err as Error).message;
        }
        out.latencies.push(performance.now() - t0);
        out.bytes += text.length;
        out.statuses![status] = (out.statuses![status] ?? 0) + 1;
        if (status < 200 || status > 299) {
          out.errors!++;
          if (out.errorSamples!.length < 5) out.errorSamples!.push(`${job.method} ${url}: ${status || 'no answer'} ${text.slice(0, 300)}`);
        } else {
          out.results++;
        }
      }
    }));
  };
  const fresh = (): JobResult => ({ latencies: [], seconds: 0, results: 0, bytes: 0, errors: 0, statuses: {}, errorSamples: [] });
  try {
    const warm = fresh();
    await phase(job.warmupSeconds, warm);
    const result = fresh();
    const started = performance.now();
    await phase(job.seconds, result);
    result.seconds = (performance.now() - started) / 1000;
    result.warmupRequests = warm.latencies.length;
    return result;
  } finally {
    agent.destroy();
  }
}

/**
 * `count` calls of `one(i)` from `concurrency` clients, or fewer when `seconds` run out; the `warmup` calls before
 * them are not recorded.
 */
async function closedLoop(count: number, concurrency: number, warmup: number, seconds: number, one: (i: number) => Promise<{ results: number; bytes: number }>): Promise<JobResult> {
  let next = 0;
  let deadline = Infinity;
  // The recorded calls start after the warm-up ones, so they do not repeat searches just made.
  const clients = (n: number, record: boolean, out: JobResult, offset: number) =>
    Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n && (next < concurrency || performance.now() < deadline)) {
        const i = next++;
        const t0 = performance.now();
        const r = await one((i + offset) % count);
        if (record) {
          out.latencies.push(performance.now() - t0);
          out.results += r.results;
          out.bytes += r.bytes;
        }
      }
    }));
  const ignored: JobResult = { latencies: [], seconds: 0, results: 0, bytes: 0 };
  deadline = performance.now() + seconds * 100; // a tenth of the time for warming up
  await clients(warmup, false, ignored, 0);
  next = 0;
  const result: JobResult = { latencies: [], seconds: 0, results: 0, bytes: 0 };
  const started = performance.now();
  deadline = started + seconds * 1000;
  await clients(count, true, result, warmup);
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

async function run(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'http': {
      const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
      try {
        return await closedLoop(job.urls.length, job.concurrency, job.warmup, job.seconds, async (i) => {
          const body = await get(agent, job.urls[i], job.headers);
          return { results: countMatches(body), bytes: Buffer.byteLength(body) };
        });
      } finally {
        agent.destroy();
      }
    }
    case 'http-timed':
      return timedLoad(job);
    case 'sql': {
      const pool = new Pool({ connectionString: job.databaseUrl, max: job.concurrency });
      try {
        return await closedLoop(job.statements.length, job.concurrency, job.warmup, job.seconds, async (i) => {
          const { rows } = await pool.query<{ content: string }>(job.statements[i].text, job.statements[i].values);
          return { results: rows.length, bytes: rows.reduce((n, r) => n + r.content.length, 0) };
        });
      } finally {
        await pool.end();
      }
    }
    case 'http-pages': {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const result: JobResult = { latencies: [], seconds: 0, results: 0, bytes: 0 };
      const started = performance.now();
      try {
        let url: string | undefined = job.url;
        while (url !== undefined && result.results < job.limit) {
          const t0 = performance.now();
          const body = await get(agent, url, job.headers);
          result.latencies.push(performance.now() - t0);
          result.results += countMatches(body);
          result.bytes += Buffer.byteLength(body);
          url = nextLink(body);
        }
      } finally {
        agent.destroy();
      }
      result.seconds = (performance.now() - started) / 1000;
      return result;
    }
    case 'sql-pages': {
      const pool = new Pool({ connectionString: job.databaseUrl, max: 1 });
      const result: JobResult = { latencies: [], seconds: 0, results: 0, bytes: 0 };
      const started = performance.now();
      try {
        let last = '';
        for (;;) {
          const t0 = performance.now();
          const { rows } = await pool.query<{ id: string; content: string }>(job.text, [...job.values, last]);
          result.latencies.push(performance.now() - t0);
          result.results += rows.length;
          for (const r of rows) result.bytes += r.content.length;
          if (rows.length === 0 || result.results >= job.limit) break;
          last = rows[rows.length - 1].id;
        }
      } finally {
        await pool.end();
      }
      result.seconds = (performance.now() - started) / 1000;
      return result;
    }
  }
}

if (parentPort) {
  run(workerData as Job).then(
    (result) => parentPort!.postMessage({ result }),
    (err: Error) => parentPort!.postMessage({ error: err.stack ?? String(err) }),
  );
}
