// batch and transaction: POST [base] with a Bundle. https://hl7.org/fhir/R4/http.html#transaction
// Reads the Bundle, hands it to the batch or transaction processor, and writes the response Bundle.
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../../config/app.config';
import { FhirResult } from '../../outcome/fhir-result';
import { FhirError } from '../../outcome/operation-outcome';
import { Headers } from '../request-headers';
import { BatchProcessor } from './batch.processor';
import { readRequestBundle } from './bundle-entries';
import { errorEntry, resultEntry, responseBundle } from './bundle-response';
import { EntryOutcome } from './entry-outcome';
import { TransactionProcessor } from './transaction.processor';

const BUNDLE_MEDIA_TYPES = ['application/fhir+json', 'application/json'];

export interface ProcessedBundle {
  type: 'batch' | 'transaction';
  outcomes: EntryOutcome[];
}

/** Inside a Bundle, writes answer minimally unless the request's Prefer asks for more. */
function entryPreference(headers: Headers): string {
  const raw = headers.prefer;
  const prefer = Array.isArray(raw) ? raw.join(', ') : raw;
  return prefer !== undefined && /(?:^|[;,\s])return\s*=/i.test(prefer) ? prefer : 'return=minimal';
}

@Injectable()
export class BundleInteraction {
  constructor(
    private readonly transaction: TransactionProcessor,
    private readonly batch: BatchProcessor,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Runs a batch or transaction Bundle; a transaction that fails throws its failing entry's error. */
  async process(body: unknown, headers: Headers): Promise<ProcessedBundle> {
    const mediaType = String(headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (body !== undefined && !BUNDLE_MEDIA_TYPES.includes(mediaType)) {
      throw FhirError.of(415, 'not-supported', 'unsupported-media-type', 'Send the Bundle as application/fhir+json or application/json');
    }
    const { type, entries } = readRequestBundle(body, this.config.bundleMaxEntries, this.config.fhirBaseUrl);
    const prefer = entryPreference(headers);
    const outcomes = type === 'transaction' ? await this.transaction.process(entries, prefer) : await this.batch.process(entries, prefer);
    return { type, outcomes };
  }

  async execute(body: unknown, headers: Headers): Promise<FhirResult> {
    const { type, outcomes } = await this.process(body, headers);
    const entries = outcomes.map(({ entry, result, error }) =>
      error ? errorEntry(error) : resultEntry(this.config.fhirBaseUrl, result!, entry.method !== 'GET' && entry.method !== 'HEAD'));
    return { status: 200, raw: responseBundle(type === 'transaction' ? 'transaction-response' : 'batch-response', entries) };
  }
}
