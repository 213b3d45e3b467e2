// Errors of one Bundle entry: the entry's own issues, each naming the entry it came from.
// https://hl7.org/fhir/R4/http.html#transaction-response
import { FhirError, issue } from '../../outcome/operation-outcome';
import { BundleEntry } from './bundle-entries';

/** The entry's error with `Bundle.entry[n]` first in every issue's expression, and a leading issue saying which entry failed. */
export function atEntry(entry: Pick<BundleEntry, 'index' | 'method'> & { url?: string }, err: FhirError): FhirError {
  const where = `Bundle.entry[${entry.index}]`;
  if (err.issues.some((i) => i.expression?.[0] === where)) return err;
  const first = err.issues.find((i) => i.severity === 'error' || i.severity === 'fatal') ?? err.issues[0];
  const lead = issue('error', first?.code ?? 'processing', 'bundle-entry-failed',
    `Entry ${entry.index} (${entry.method}${entry.url ? ` ${entry.url}` : ''}) failed: ${first?.details?.text ?? first?.diagnostics ?? 'error'}`, [where]);
  const issues = err.issues.map((i) => ({ ...i, expression: [where, ...(i.expression ?? []).filter((e) => e !== where)] }));
  return new FhirError(err.status, [lead, ...issues], err.headers);
}

/**
 * PostgreSQL's deadlock and serialization failures, and a unique violation (another transaction created the same
 * id first, as two imports of one Synthea organization do): the client may simply retry.
 */
export function transactionConflict(err: unknown): FhirError | undefined {
  const code = (err as { code?: unknown })?.code;
  if (code !== '40P01' && code !== '40001' && code !== '23505') return undefined;
  return FhirError.of(409, 'conflict', 'transaction-conflict', 'The transaction conflicted with a concurrent one and was rolled back; retry it');
}
