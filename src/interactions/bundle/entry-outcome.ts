// What became of one Bundle entry: the interaction's result, or (in a batch) the error it answered with.
import { FhirResult } from '../../outcome/fhir-result';
import { FhirError } from '../../outcome/operation-outcome';
import { BundleEntry } from './bundle-entries';

export interface EntryOutcome {
  entry: BundleEntry;
  result?: FhirResult;
  error?: FhirError;
}
