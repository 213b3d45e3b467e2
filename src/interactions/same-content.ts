// Whether an update would change anything: the stored version and the candidate compared as JSON values,
// ignoring meta.versionId and meta.lastUpdated (which every write sets). https://hl7.org/fhir/R4/http.html#update
import { FhirResource } from '../storage/stored-resource';

function withoutVersionMeta(resource: FhirResource): FhirResource {
  const { meta, ...rest } = resource;
  if (meta === undefined) return rest as FhirResource;
  const { versionId: _v, lastUpdated: _l, ...others } = meta;
  return (Object.keys(others).length > 0 ? { ...rest, meta: others } : rest) as FhirResource;
}

/** Deep equality of JSON values; object member order does not matter, array order does. */
function equalJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => equalJson(item, other[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left).filter((k) => left[k] !== undefined);
  if (keys.length !== Object.keys(right).filter((k) => right[k] !== undefined).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(right, k) && equalJson(left[k], right[k]));
}

export function sameContent(storedText: string, candidate: FhirResource): boolean {
  return equalJson(withoutVersionMeta(JSON.parse(storedText) as FhirResource), withoutVersionMeta(candidate));
}
