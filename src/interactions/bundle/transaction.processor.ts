// transaction: every entry in one database transaction, all or nothing, in the spec's order (DELETE, POST,
// PUT/PATCH, GET/HEAD) with the answers in request order. https://hl7.org/fhir/R4/http.html#trules
import { Injectable } from '@nestjs/common';
import { FhirError } from '../../outcome/operation-outcome';
import { DatabaseSession } from '../../storage/database-session';
import { ResourceRepository } from '../../storage/resource.repository';
import { ID_PATTERN } from '../interaction-errors';
import { atEntry, transactionConflict } from './bundle-errors';
import { BundleEntry, EntryMethod } from './bundle-entries';
import { BundleEntryRunner } from './bundle-entry.runner';
import { BundleReferenceResolver, describe } from './bundle-references';
import { EntryOutcome } from './entry-outcome';

const PHASE: Record<EntryMethod, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

/** The entries in processing order; the sort is stable, so entries of one phase keep their request order. */
export function processingOrder(entries: BundleEntry[]): BundleEntry[] {
  return [...entries].sort((a, b) => PHASE[a.method] - PHASE[b.method] || a.index - b.index);
}

@Injectable()
export class TransactionProcessor {
  constructor(
    private readonly db: DatabaseSession,
    private readonly resolver: BundleReferenceResolver,
    private readonly runner: BundleEntryRunner,
    private readonly repository: ResourceRepository,
  ) {}

  /** Runs the entries, or throws the failing entry's error (naming it) with nothing stored. */
  async process(entries: BundleEntry[], prefer: string): Promise<EntryOutcome[]> {
    const broken = entries.find((e) => e.error);
    if (broken) throw atEntry({ ...broken, url: describe(broken) }, broken.error!);
    try {
      return await this.db.transaction(async () => {
        const identities = await this.resolver.assignIdentities(entries);
        requireDistinctTargets(entries);
        await this.resolver.rewrite(entries, identities);
        await this.lockTargets(entries);
        const outcomes: EntryOutcome[] = new Array(entries.length);
        for (const entry of processingOrder(entries)) {
          try {
            outcomes[entry.index] = { entry, result: await this.runner.run(entry, prefer) };
          } catch (err) {
            throw err instanceof FhirError ? atEntry({ ...entry, url: describe(entry) }, err) : err;
          }
        }
        return outcomes;
      });
    } catch (err) {
      throw transactionConflict(err) ?? err;
    }
  }

  /** Locks the resources the PUT, PATCH and DELETE entries address, a statement per type rather than per entry. */
  private async lockTargets(entries: BundleEntry[]): Promise<void> {
    const byType = new Map<string, string[]>();
    for (const e of entries) {
      if (e.target !== 'instance' || e.method === 'GET' || e.method === 'HEAD' || !ID_PATTERN.test(e.id!)) continue;
      const ids = byType.get(e.type!);
      if (ids) ids.push(e.id!);
      else byType.set(e.type!, [e.id!]);
    }
    // Types in name order and ids in id order: transactions locking overlapping rows queue instead of deadlocking.
    for (const type of [...byType.keys()].sort()) await this.repository.lockForUpdate(type, byType.get(type)!);
  }
}

/** Two writes to one resource in a transaction have no defined result: the spec makes that a failure. */
function requireDistinctTargets(entries: BundleEntry[]): void {
  const seen = new Map<string, number>();
  for (const e of entries) {
    if (e.method === 'GET' || e.method === 'HEAD' || !e.type) continue;
    const id = e.target === 'instance' ? e.id : e.assignedId;
    if (id === undefined) continue;
    const key = `${e.type}/${id}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw atEntry({ ...e, url: describe(e) }, FhirError.of(400, 'business-rule', 'bundle-duplicate-target',
        `Entries ${earlier} and ${e.index} both write ${key}; a transaction may change a resource once`));
    }
    seen.set(key, e.index);
  }
}
