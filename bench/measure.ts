// Runs one measurement job in a worker thread (see measure-worker.ts) and summarises its timings.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Job, JobResult } from './measure-worker';

export interface Summary {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  /** Mean matches (or rows) per request. */
  meanResults: number;
  /** Matches (or rows) per second over the whole job. */
  resultsPerSecond: number;
  /** Timed HTTP load: non-2xx answers and failed requests, with the first few described. */
  errors?: number;
  errorSamples?: string[];
  warmupRequests?: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function summarise(r: JobResult): Summary {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    seconds: r.seconds,
    perSecond: sorted.length / r.seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    meanResults: sorted.length ? r.results / sorted.length : 0,
    resultsPerSecond: r.results / r.seconds,
    ...(r.errors === undefined ? {} : { errors: r.errors, errorSamples: r.errorSamples, warmupRequests: r.warmupRequests }),
  };
}

export function runJob(job: Job): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'measure-worker.js'), { workerData: job });
    worker.once('message', (m: { result?: JobResult; error?: string }) => {
      if (m.error) reject(new Error(m.error));
      else resolve(m.result!);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

export async function measure(job: Job): Promise<Summary> {
  return summarise(await runJob(job));
}
