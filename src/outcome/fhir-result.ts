// What an interaction answers, before the HTTP layer writes it in the negotiated format.
import { StoredVersion } from '../storage/stored-resource';

export interface FhirResult {
  status: number;
  headers?: Record<string, string>;
  /** A JSON value to serialise, or */
  body?: unknown;
  /** JSON text to send as it is (stored resources are served without re-serialising). */
  raw?: string;
  /** The version a write made or found, for callers that report it otherwise (Bundle responses). */
  version?: StoredVersion;
  /** True when a write found nothing to change and made no new version. */
  unchanged?: boolean;
}

export function etag(versionId: number): string {
  return `W/"${versionId}"`;
}

/** ETag and Last-Modified of one stored version. https://hl7.org/fhir/R4/http.html#versioning */
export function versionHeaders(v: StoredVersion): Record<string, string> {
  return { etag: etag(v.versionId), 'last-modified': v.lastUpdated.toUTCString() };
}

export function versionLocation(baseUrl: string, v: StoredVersion): string {
  return `${baseUrl}/${v.resourceType}/${v.id}/_history/${v.versionId}`;
}
