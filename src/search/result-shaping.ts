// _summary and _elements: the subset of each matched resource a client asked for, marked SUBSETTED.
// https://hl7.org/fhir/R4/search.html#summary https://hl7.org/fhir/R4/search.html#elements
import { Injectable } from '@nestjs/common';
import { baseStructureDefinitions } from '../conformance/definitions';
import { FhirResource } from '../storage/stored-resource';
import { SummaryMode } from './query/search-request';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

interface TopLevel {
  summary: Set<string>;
  mandatory: Set<string>;
}

/** Whether JSON member `key` is element `name` (a choice element "value[x]" appears as valueQuantity, ...). */
function isElement(key: string, name: string): boolean {
  const bare = key.startsWith('_') ? key.slice(1) : key;
  if (name.endsWith('[x]')) {
    const stem = name.slice(0, -3);
    return bare.startsWith(stem) && /^[A-Z]/.test(bare.slice(stem.length));
  }
  return bare === name;
}

@Injectable()
export class ResultShaper {
  private readonly topLevel = new Map<string, TopLevel>();

  constructor() {
    for (const sd of baseStructureDefinitions()) {
      if (sd.kind !== 'resource' || sd.derivation !== 'specialization') continue;
      const entry: TopLevel = { summary: new Set(), mandatory: new Set() };
      for (const e of sd.snapshot.element) {
        const parts = e.path.split('.');
        if (parts.length !== 2) continue;
        if (e.isSummary) entry.summary.add(parts[1]);
        if ((e.min ?? 0) > 0) entry.mandatory.add(parts[1]);
      }
      this.topLevel.set(sd.type, entry);
    }
  }

  /** Whether these parameters change the resources at all. */
  applies(summary: SummaryMode | undefined, elements: string[] | undefined): boolean {
    return (summary !== undefined && summary !== 'false' && summary !== 'count') || (elements !== undefined && summary === undefined);
  }

  shape(resource: FhirResource, summary: SummaryMode | undefined, elements: string[] | undefined): FhirResource {
    const info = this.topLevel.get(resource.resourceType) ?? { summary: new Set<string>(), mandatory: new Set<string>() };
    let keep: (key: string) => boolean;
    if (summary === 'true') keep = (k) => [...info.summary].some((n) => isElement(k, n));
    else if (summary === 'text') keep = (k) => k === 'text' || [...info.mandatory].some((n) => isElement(k, n));
    else if (summary === 'data') keep = (k) => k !== 'text';
    else keep = (k) => (elements ?? []).some((n) => isElement(k, n)) || [...info.mandatory].some((n) => isElement(k, n));
    const out: FhirResource = { resourceType: resource.resourceType };
    for (const [key, value] of Object.entries(resource)) {
      if (ALWAYS.has(key) || keep(key)) (out as Record<string, unknown>)[key] = value;
    }
    const meta = { ...(resource.meta ?? {}) } as Record<string, unknown>;
    const tags = Array.isArray(meta.tag) ? [...(meta.tag as object[])] : [];
    meta.tag = [...tags, SUBSETTED];
    out.meta = meta as FhirResource['meta'];
    return out;
  }
}
