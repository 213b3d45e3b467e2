// Extracts search-index rows from a resource. https://hl7.org/fhir/R4/search.html#all
// For now the parameters every type shares through Resource.meta (_tag, _security, _profile);
// per-type SearchParameters extracted with FHIRPath plug in here.
import { Injectable } from '@nestjs/common';
import { FhirResource } from '../storage/stored-resource';

import { emptyIndexRows, IndexRows } from './index-rows';

interface Coding {
  system?: string;
  code?: string;
  display?: string;
}


@Injectable()
export class SearchIndexer {
  extract(resource: FhirResource): IndexRows {
    const rows = emptyIndexRows();
    const meta = (resource.meta ?? {}) as { tag?: Coding[]; security?: Coding[]; profile?: string[] };
    for (const [param, codings] of [['_tag', meta.tag], ['_security', meta.security]] as const) {
      for (const c of codings ?? []) {
        rows.token.push({ param, system: c.system ?? null, code: c.code ?? null, text: null, typeSystem: null, typeCode: null, grp: null });
      }
    }
    for (const profile of meta.profile ?? []) rows.uri.push({ param: '_profile', value: profile, grp: null });
    return rows;
  }
}
