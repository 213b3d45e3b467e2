// The columns every version query selects, and their mapping to StoredVersion.
import { StoredVersion } from './stored-resource';

export interface VersionRow {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  content: string | null;
  method?: string;
  /** The history position as text (a bigint can exceed a JS number). */
  position?: string;
  /** The row's patient-compartment keys, when selected (for the audit trail). */
  compartments?: string[];
}

export function toStored(row: VersionRow): StoredVersion {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: row.last_updated,
    deleted: row.deleted,
    content: row.content,
    method: row.method,
    seq: row.position,
  };
}
