// Extracts search-index rows from a resource. https://hl7.org/fhir/R4/search.html#all
// For now the parameters every type shares through Resource.meta (_tag, _security, _profile);
// per-type SearchParameters extracted with FHIRPath plug in here.
import { Injectable } from '@nestjs/common';
import { FhirResource } from '../storage/stored-resource';

export interface IndexRows {
  string: { param: string; value: string; normalized: string }[];
  token: { param: string; system: string | null; code: string | null; display: string | null }[];
  date: { param: string; low: string | null; high: string | null }[];
  number: { param: string; value: string }[];
  quantity: { param: string; value: string | null; system: string | null; code: string | null; unit: string | null }[];
  reference: { param: string; targetType: string | null; targetId: string | null; url: string | null }[];
  uri: { param: string; value: string }[];
}

interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

export function emptyIndexRows(): IndexRows {
  return { string: [], token: [], date: [], number: [], quantity: [], reference: [], uri: [] };
}

@Injectable()
export class SearchIndexer {
  extract(resource: FhirResource): IndexRows {
    const rows = emptyIndexRows();
    const meta = (resource.meta ?? {}) as { tag?: Coding[]; security?: Coding[]; profile?: string[] };
    for (const [param, codings] of [['_tag', meta.tag], ['_security', meta.security]] as const) {
      for (const c of codings ?? []) {
        rows.token.push({ param, system: c.system ?? null, code: c.code ?? null, display: c.display ?? null });
      }
    }
    for (const profile of meta.profile ?? []) rows.uri.push({ param: '_profile', value: profile });
    return rows;
  }
}
