// Shapes what an import sends through the transaction code: Synthea's `POST Type` entries with a urn:uuid fullUrl
// become `PUT Type/<uuid>` (stable ids, so a rerun updates or leaves alone instead of duplicating), conditional
// entries stay conditional, and NDJSON lines become a transaction of PUTs (POSTs for resources without an id).
// https://hl7.org/fhir/R4/http.html#transaction
import { ID_PATTERN } from '../interactions/interaction-errors';
import { FhirResource } from '../storage/stored-resource';

type Json = Record<string, unknown>;
const URN_UUID = 'urn:uuid:';

/** Rewrites the Bundle in place: each unconditional POST whose fullUrl is urn:uuid:<id> becomes PUT Type/<id>. */
export function withStableIds(bundle: Json): Json {
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as Json[]) : [];
  for (const entry of entries) {
    const request = entry?.request as Json | undefined;
    const resource = entry?.resource as FhirResource | undefined;
    const fullUrl = entry?.fullUrl;
    if (!request || !resource || typeof resource !== 'object' || typeof fullUrl !== 'string') continue;
    if (request.method !== 'POST' || request.ifNoneExist !== undefined || !fullUrl.startsWith(URN_UUID)) continue;
    const id = fullUrl.slice(URN_UUID.length);
    if (!ID_PATTERN.test(id) || typeof resource.resourceType !== 'string' || request.url !== resource.resourceType) continue;
    resource.id = id;
    entry.request = { ...request, method: 'PUT', url: `${resource.resourceType}/${id}` };
  }
  return bundle;
}

/** A transaction Bundle of `resources`: PUT under their own ids, POST for those without one. */
export function resourcesTransaction(resources: FhirResource[]): Json {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({
      resource,
      request: typeof resource.id === 'string' && ID_PATTERN.test(resource.id)
        ? { method: 'PUT', url: `${resource.resourceType}/${resource.id}` }
        : { method: 'POST', url: resource.resourceType },
    })),
  };
}

/** The same entries as a batch: each stands or fails on its own. */
export function asBatch(bundle: Json): Json {
  return { ...bundle, type: 'batch' };
}
