// Counts what an import did, from the outcome of every Bundle entry it ran; keeps the first errors as examples.
import { EntryOutcome } from '../interactions/bundle/entry-outcome';
import { FhirError } from '../outcome/operation-outcome';

export interface ImportError {
  file: string;
  /** The Bundle entry index, or the NDJSON line number. */
  at?: string;
  status: number;
  message: string;
}

const KEPT_ERRORS = 20;

export class ImportTally {
  files = 0;
  skippedFiles = 0;
  bundles = 0;
  resources = 0;
  created = 0;
  updated = 0;
  unchanged = 0;
  failed = 0;
  readonly errors: ImportError[] = [];

  /** Counts the write entries of one Bundle; `where(i)` names entry i for error messages. */
  outcomes(file: string, outcomes: EntryOutcome[], where: (index: number) => string): void {
    for (const { entry, result, error } of outcomes) {
      if (entry.method === 'GET' || entry.method === 'HEAD') continue;
      this.resources++;
      if (error) {
        this.failed++;
        this.keep({ file, at: where(entry.index), status: error.status, message: message(error) });
      } else if (result!.unchanged) this.unchanged++;
      else if (result!.status === 201) this.created++;
      else this.updated++;
    }
  }

  /** `count` resources failed together (a transaction that was refused, a file that cannot be read). */
  fail(file: string, at: string | undefined, status: number, text: string, count = 1): void {
    this.resources += count;
    this.failed += count;
    this.keep({ file, ...(at !== undefined ? { at } : {}), status, message: text });
  }

  private keep(error: ImportError): void {
    if (this.errors.length < KEPT_ERRORS) this.errors.push(error);
  }
}

/** The texts of an error's issues, the entry's own first. */
export function message(err: FhirError): string {
  return err.issues.map((i) => i.details?.text ?? i.diagnostics ?? i.code).slice(0, 3).join(' | ');
}
