// Bundle rules that are not FHIRPath invariants: absolute fullUrls, unique links, references resolved inside the bundle. https://hl7.org/fhir/R4/bundle.html#references
import { IssueSink, isJsonObject, JsonObject } from './issue.sink';

const ABSOLUTE_URL = /^[A-Za-z][A-Za-z0-9+.\-]*:\S+$/;
const RELATIVE_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;
const HISTORY_SUFFIX = /^(.*)\/_history\/([^/]+)$/;

interface Entry {
  readonly fullUrl?: string;
  readonly type?: unknown;
  readonly id?: unknown;
  readonly versionId?: unknown;
}

interface FoundReference {
  readonly reference: string;
  readonly path: string;
}

function collectReferences(value: unknown, path: string, out: FoundReference[], depth = 0): void {
  if (depth > 256) return; // beyond the walker's nesting limit
  if (Array.isArray(value)) {
    value.forEach((item, i) => collectReferences(item, `${path}[${i}]`, out, depth + 1));
  } else if (isJsonObject(value)) {
    if (depth > 0 && value.resourceType === 'Bundle') return; // a nested bundle resolves its own references
    if (typeof value.reference === 'string') out.push({ reference: value.reference, path });
    for (const key in value) if (key !== 'text') collectReferences(value[key], `${path}.${key}`, out, depth + 1);
  }
}

function checkLinks(bundle: JsonObject, path: string, sink: IssueSink): void {
  if (!Array.isArray(bundle.link)) return;
  const seen = new Set<string>();
  bundle.link.forEach((link, i) => {
    if (!isJsonObject(link) || typeof link.relation !== 'string') return;
    if (seen.has(link.relation)) sink.error('bundle-duplicate-link', `The link relation '${link.relation}' can only occur once`, `${path}.link[${i}]`);
    seen.add(link.relation);
  });
}

export class BundleRules {
  private readonly entries: Entry[] = [];

  constructor(private readonly bundle: JsonObject, private readonly path: string, private readonly sink: IssueSink) {}

  run(): void {
    checkLinks(this.bundle, this.path, this.sink);
    if (!Array.isArray(this.bundle.entry)) return;
    this.bundle.entry.forEach((entry, i) => {
      if (!isJsonObject(entry)) return;
      const fullUrl = typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined;
      if (fullUrl !== undefined && !ABSOLUTE_URL.test(fullUrl)) {
        this.sink.error('bundle-fullurl-not-absolute', `The fullUrl '${fullUrl}' must be an absolute URL`, `${this.path}.entry[${i}].fullUrl`);
      }
      const r = isJsonObject(entry.resource) ? entry.resource : undefined;
      const meta = r && isJsonObject(r.meta) ? r.meta : undefined;
      this.entries.push({ fullUrl, type: r?.resourceType, id: r?.id, versionId: meta?.versionId });
    });
    // A history bundle legitimately holds several versions of one resource.
    if (this.bundle.type === 'history') return;
    this.bundle.entry.forEach((entry, i) => {
      if (!isJsonObject(entry) || !isJsonObject(entry.resource)) return;
      const refs: FoundReference[] = [];
      collectReferences(entry.resource, `${this.path}.entry[${i}].resource`, refs);
      for (const ref of refs) this.resolve(ref, this.entries[i]);
    });
  }

  private resolve({ reference, path }: FoundReference, from: Entry): void {
    if (reference.charCodeAt(0) === 35 /* # */) return;
    let candidates: Entry[];
    let version: string | undefined;
    const relative = RELATIVE_REF.exec(reference);
    if (relative) {
      const [, type, id] = relative;
      version = relative[3];
      const suffix = `/${type}/${id}`;
      const base = from.fullUrl?.match(/^(https?:\/\/.*)\/[A-Z][A-Za-z]+\/[^/]+$/)?.[1];
      candidates = base
        ? this.entries.filter((e) => e.fullUrl === `${base}${suffix}`)
        : this.entries.filter((e) => e.type === type && e.id === id && (!e.fullUrl || e.fullUrl.endsWith(suffix)));
    } else if (ABSOLUTE_URL.test(reference)) {
      const history = HISTORY_SUFFIX.exec(reference);
      const url = history ? history[1] : reference;
      version = history?.[2];
      candidates = this.entries.filter((e) => e.fullUrl === url);
    } else {
      return; // conditional or search references are resolved by the server, not here
    }
    if (version !== undefined && candidates.length > 0) {
      const matching = candidates.filter((e) => e.versionId === version);
      if (matching.length === 0) {
        this.sink.error('bundle-unresolved-version', `The reference '${reference}' names a resource in the bundle, but no entry has version ${version}`, path);
        return;
      }
      candidates = matching;
    }
    if (candidates.length > 1) {
      this.sink.error('bundle-ambiguous-reference', `The reference '${reference}' matches ${candidates.length} entries in the bundle`, path);
    }
  }
}

export function checkBundle(bundle: JsonObject, path: string, sink: IssueSink): void {
  new BundleRules(bundle, path, sink).run();
}
