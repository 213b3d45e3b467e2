// Every resource the matrix writes carries a unique marker string; the book maps each marker to its resource
// and placement, so any answer can be scanned for data of a resource the caller may not see.
import { randomUUID } from 'node:crypto';
import { AccessOracle, Placement } from './access-oracle';
import { KindName } from './token-kinds';

export interface Owned extends Placement {
  /** The name the test gives the resource (`A-lab`, `shared-med`, `Account-A`). */
  key: string;
  id: string;
  marker: string;
}

const MARKER = /MARK-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
export const MARKER_EXTENSION = 'http://example.org/fhir/StructureDefinition/access-marker';

export function newMarker(): string {
  return `MARK-${randomUUID()}`;
}

/** The marker as content valid on any resource: an extension on DomainResources, a tag on the others. */
export function withMarker<T extends Record<string, unknown>>(resource: T, marker: string): T {
  if (['Bundle', 'Binary', 'Parameters'].includes(resource.resourceType as string)) {
    const meta = (resource.meta ?? {}) as { tag?: unknown[] };
    return { ...resource, meta: { ...meta, tag: [...(meta.tag ?? []), { system: MARKER_EXTENSION, code: marker }] } };
  }
  const extension = (resource.extension as unknown[] | undefined) ?? [];
  return { ...resource, extension: [...extension, { url: MARKER_EXTENSION, valueString: marker }] };
}

export class MarkerBook {
  private readonly byMarker = new Map<string, Owned>();
  private readonly byKey = new Map<string, Owned>();

  add(owned: Owned): Owned {
    if (this.byKey.has(owned.key)) throw new Error(`Two resources named ${owned.key}`);
    this.byMarker.set(owned.marker, owned);
    this.byKey.set(owned.key, owned);
    return owned;
  }

  get(key: string): Owned {
    const owned = this.byKey.get(key);
    if (!owned) throw new Error(`No resource named ${key}`);
    return owned;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  all(): Owned[] {
    return [...this.byKey.values()];
  }

  /**
   * The resources whose markers appear in `text` although `kind` may not read them. Markers the caller sent
   * itself (`sent`, the request body) do not count: echoing what a caller wrote discloses nothing.
   */
  leaks(text: string, kind: KindName, oracle: AccessOracle, sent = ''): string[] {
    const out = new Set<string>();
    for (const m of text.matchAll(MARKER)) {
      if (sent.includes(m[0])) continue;
      const owned = this.byMarker.get(m[0]);
      if (!owned) out.add(`${m[0]} (unknown marker)`);
      else if (!oracle.readable(kind, owned)) out.add(`${owned.key} ${owned.type}/${owned.id} of ${owned.owners.join('+') || 'no patient'}`);
    }
    return [...out];
  }
}
