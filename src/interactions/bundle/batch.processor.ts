// batch: each entry on its own, in request order, each in a transaction of its own; a failing entry answers
// with its status and OperationOutcome and the others go on. https://hl7.org/fhir/R4/http.html#brules
import { Injectable, Logger } from '@nestjs/common';
import { FhirError } from '../../outcome/operation-outcome';
import { DatabaseSession } from '../../storage/database-session';
import { atEntry, transactionConflict } from './bundle-errors';
import { BundleEntry } from './bundle-entries';
import { BundleEntryRunner } from './bundle-entry.runner';
import { BundleReferenceResolver, describe } from './bundle-references';
import { EntryOutcome } from './entry-outcome';

// Entries of a batch may not refer to each other: their fullUrls resolve nothing.
const NO_IDENTITIES = new Map<string, string>();

@Injectable()
export class BatchProcessor {
  private readonly logger = new Logger('Batch');

  constructor(
    private readonly db: DatabaseSession,
    private readonly resolver: BundleReferenceResolver,
    private readonly runner: BundleEntryRunner,
  ) {}

  async process(entries: BundleEntry[], prefer: string): Promise<EntryOutcome[]> {
    const outcomes: EntryOutcome[] = [];
    for (const entry of entries) {
      try {
        const result = await this.db.separateTransaction(async () => {
          await this.resolver.rewrite([entry], NO_IDENTITIES);
          return this.runner.run(entry, prefer);
        });
        outcomes.push({ entry, result });
      } catch (err) {
        outcomes.push({ entry, error: this.asEntryError(entry, err) });
      }
    }
    return outcomes;
  }

  private asEntryError(entry: BundleEntry, err: unknown): FhirError {
    const known = err instanceof FhirError ? err : transactionConflict(err);
    if (known) return atEntry({ ...entry, url: describe(entry) }, known);
    this.logger.error(`Batch entry ${entry.index} failed: ${(err as Error)?.stack ?? String(err)}`);
    return atEntry({ ...entry, url: describe(entry) },
      FhirError.of(500, 'exception', 'internal-error', 'An unexpected error occurred while processing this entry'));
  }
}
