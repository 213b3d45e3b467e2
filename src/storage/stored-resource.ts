// The row shapes of the versioned store as the rest of the server sees them.
export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  /** The resource JSON exactly as served; null for a deletion. */
  content: string | null;
  /** The interaction that made this version: POST, PUT, PATCH or DELETE. */
  method?: string;
  /** History position, for keyset paging. */
  seq?: string;
  /** The patient-compartment keys written with this version (set by writes). */
  compartments?: string[];
}

export interface FhirResource {
  resourceType: string;
  id?: string;
  meta?: { versionId?: string; lastUpdated?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** The resource with server-assigned id and meta first, in the order FHIR JSON shows them. */
export function withServerMeta(resource: FhirResource, id: string, versionId: number, lastUpdated: Date): FhirResource {
  const { resourceType, id: _ignoredId, meta, ...rest } = resource;
  return {
    resourceType,
    id,
    meta: { ...(meta ?? {}), versionId: String(versionId), lastUpdated: lastUpdated.toISOString() },
    ...rest,
  };
}
