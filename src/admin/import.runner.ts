// Loads files through the same batch/transaction code as POST /fhir: each Bundle file as it is (with stable ids),
// NDJSON in transactions of NDJSON_CHUNK lines. Files of one loading group run a few at a time, so the server's
// work on one Bundle overlaps PostgreSQL's on another; a group finishes before the next starts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BundleInteraction } from '../interactions/bundle/bundle.interaction';
import { FhirError } from '../outcome/operation-outcome';
import { FhirResource } from '../storage/stored-resource';
import { asBatch, resourcesTransaction, withStableIds } from './import-bundles';
import { countResources, ImportFile, ndjsonChunks } from './import-files';
import { ImportTally, message } from './import-tally';
import { Progress } from './progress';

export const NDJSON_CHUNK = 500;
const HEADERS = { 'content-type': 'application/fhir+json', prefer: 'return=minimal' };
const CONFLICT_RETRIES = 3;

type Json = Record<string, unknown>;

function parseResource(text: string): FhirResource | undefined {
  try {
    const value = JSON.parse(text) as FhirResource | null;
    return typeof value?.resourceType === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** One Bundle to run. `make` builds it afresh for each attempt (running a Bundle rewrites its references). */
interface Unit {
  file: string;
  size: number;
  make(): Json;
  /** NDJSON resources stand alone: a refused transaction is retried as a batch to find the bad lines. */
  splittable: boolean;
  where(index: number): string;
}

export class ImportRunner {
  readonly tally = new ImportTally();
  private progress!: Progress;

  constructor(
    private readonly bundles: BundleInteraction,
    private readonly concurrency: number,
    private readonly log: (line: string) => void,
  ) {}

  async run(files: ImportFile[]): Promise<void> {
    this.progress = new Progress(files.reduce((n, f) => n + countResources(f), 0), 'resources');
    for (const group of [...new Set(files.map((f) => f.group))]) {
      const units = this.units(files.filter((f) => f.group === group));
      await Promise.all(Array.from({ length: this.concurrency }, async () => {
        for (let next = await units.next(); !next.done; next = await units.next()) await this.runUnit(next.value);
      }));
    }
    this.progress.finish();
  }

  get seconds(): number {
    return this.progress.elapsedSeconds;
  }

  private async *units(files: ImportFile[]): AsyncGenerator<Unit> {
    for (const file of files) {
      this.tally.files++;
      const name = path.basename(file.path);
      if (file.kind === 'bundle') {
        const unit = this.bundleUnit(file.path, name);
        if (unit) yield unit;
        continue;
      }
      let first = true;
      for await (const lines of ndjsonChunks(file.path, NDJSON_CHUNK)) {
        const resources: FhirResource[] = [];
        const texts: string[] = [];
        const numbers: number[] = [];
        for (const line of lines) {
          const resource = parseResource(line.text);
          if (!resource) {
            if (first) {
              this.skip(name, 'its lines are not FHIR resources', countResources(file));
              break;
            }
            this.tally.fail(name, `line ${line.number}`, 400, 'The line is not a JSON resource');
            this.progress.advance(1);
            continue;
          }
          first = false;
          resources.push(resource);
          texts.push(line.text);
          numbers.push(line.number);
        }
        if (first) break; // skipped
        if (resources.length === 0) continue;
        let parsed: FhirResource[] | undefined = resources;
        yield {
          file: name,
          size: resources.length,
          make: () => {
            const list = parsed ?? texts.map((t) => JSON.parse(t) as FhirResource);
            parsed = undefined;
            return resourcesTransaction(list);
          },
          splittable: true,
          where: (i) => `line ${numbers[i]}`,
        };
      }
    }
  }

  private bundleUnit(file: string, name: string): Unit | undefined {
    const text = fs.readFileSync(file, 'utf8');
    let parsed: Json;
    try {
      parsed = JSON.parse(text) as Json;
    } catch {
      this.tally.fail(name, undefined, 400, 'The file is not well-formed JSON');
      this.progress.advance(1);
      return undefined;
    }
    const isBundle = parsed.resourceType === 'Bundle' && (parsed.type === 'transaction' || parsed.type === 'batch');
    if (!isBundle && (parsed.resourceType === 'Bundle' || typeof parsed.resourceType !== 'string')) {
      this.skip(name, 'it is neither a batch/transaction Bundle nor a resource', countResources({ path: file, kind: 'bundle', group: 0 }));
      return undefined;
    }
    const shape = (json: Json): Json => (isBundle ? withStableIds(json) : resourcesTransaction([json as FhirResource]));
    let first: Json | undefined = parsed;
    return {
      file: name,
      size: isBundle && Array.isArray(parsed.entry) ? parsed.entry.length : 1,
      make: () => {
        const json = first ?? (JSON.parse(text) as Json);
        first = undefined;
        return shape(json);
      },
      splittable: false,
      where: (i) => `entry ${i}`,
    };
  }

  private skip(name: string, why: string, size: number): void {
    this.tally.skippedFiles++;
    this.log(`Skipped ${name}: ${why}`);
    this.progress.advance(size);
  }

  private async runUnit(unit: Unit): Promise<void> {
    let batch = false;
    for (let attempt = 0; ; attempt++) {
      const bundle = batch ? asBatch(unit.make()) : unit.make();
      try {
        const { outcomes } = await this.bundles.process(bundle, HEADERS);
        this.tally.bundles++;
        this.tally.outcomes(unit.file, outcomes, unit.where);
        break;
      } catch (err) {
        if (!(err instanceof FhirError)) throw err;
        if (err.status === 409 && attempt < CONFLICT_RETRIES) continue;
        if (unit.splittable && !batch) {
          batch = true;
          continue;
        }
        this.tally.bundles++;
        const index = /^Bundle\.entry\[(\d+)\]$/.exec(err.issues[0]?.expression?.[0] ?? '')?.[1];
        this.tally.fail(unit.file, index === undefined ? undefined : unit.where(Number(index)), err.status, message(err), unit.size);
        break;
      }
    }
    this.progress.advance(unit.size);
  }
}
