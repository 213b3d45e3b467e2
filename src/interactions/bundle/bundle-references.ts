// Resolves references inside a batch or transaction before it runs: urn:uuid / urn:oid fullUrls of POST and
// PUT entries get the ids the server assigns (or the id an If-None-Exist / conditional update matches), and
// conditional references (`Patient?identifier=...`) the one resource they match. Every resource is walked once.
// https://hl7.org/fhir/R4/http.html#trules https://hl7.org/fhir/R4/bundle.html#references
import { Injectable } from '@nestjs/common';
import { FhirError } from '../../outcome/operation-outcome';
import { ResourceRepository } from '../../storage/resource.repository';
import { canonicalCriteria, ConditionalMatcher, criteriaFromQuery, parseCriteria, tooManyMatches } from '../conditional-criteria';
import { atEntry } from './bundle-errors';
import { BundleEntry } from './bundle-entries';

const CONDITIONAL_REFERENCE = /^([A-Z][A-Za-z]{1,63})\?(.+)$/s;

function isUrn(fullUrl: string | undefined): fullUrl is string {
  return fullUrl !== undefined && (fullUrl.startsWith('urn:uuid:') || fullUrl.startsWith('urn:oid:'));
}

type Holder = Record<string, unknown>;

/** Calls `visit` with every object that has a string `reference` member, anywhere in `value`. */
function walk(value: unknown, visit: (holder: Holder) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) walk(item, visit);
    return;
  }
  const holder = value as Holder;
  for (const key in holder) {
    const member = holder[key];
    if (typeof member === 'object' && member !== null) walk(member, visit);
    else if (key === 'reference' && typeof member === 'string') visit(holder);
  }
}

@Injectable()
export class BundleReferenceResolver {
  constructor(
    private readonly matcher: ConditionalMatcher,
    private readonly repository: ResourceRepository,
  ) {}

  /**
   * Hands out the identity of every POST and PUT entry before any entry runs (transactions only; inside their
   * database transaction, since conditional entries take their criteria's lock here). Returns fullUrl → Type/id.
   */
  async assignIdentities(entries: BundleEntry[]): Promise<Map<string, string>> {
    const identities = new Map<string, string>();
    for (const e of entries) {
      if (e.error || !e.type || (e.method !== 'POST' && e.method !== 'PUT')) continue;
      try {
        const id = await this.identityOf(e);
        if (id !== undefined && isUrn(e.fullUrl)) identities.set(e.fullUrl, `${e.type}/${id}`);
      } catch (err) {
        throw err instanceof FhirError ? atEntry({ ...e, url: describe(e) }, err) : err;
      }
    }
    return identities;
  }

  private async identityOf(e: BundleEntry): Promise<string | undefined> {
    const type = e.type!;
    if (e.method === 'POST' && e.target === 'type') {
      if (e.ifNoneExist === undefined) return (e.assignedId = this.repository.newId());
      const criteria = parseCriteria(e.ifNoneExist, 'If-None-Exist');
      const matches = await this.matcher.lockAndMatch(type, criteria);
      if (matches.length > 1) throw tooManyMatches(type, criteria, 'If-None-Exist');
      return matches[0] ?? (e.assignedId = this.repository.newId());
    }
    if (e.method === 'PUT' && e.target === 'instance') return e.id;
    if (e.method === 'PUT' && e.target === 'type' && e.hasQuery && isUrn(e.fullUrl)) {
      const criteria = criteriaFromQuery(e.query, 'The conditional update');
      const matches = await this.matcher.lockAndMatch(type, criteria);
      if (matches.length > 1) throw tooManyMatches(type, criteria, 'The conditional update');
      if (matches.length === 1) return matches[0];
      const bodyId = e.resource?.id;
      return typeof bodyId === 'string' ? bodyId : (e.assignedId = this.repository.newId());
    }
    return undefined;
  }

  /**
   * Rewrites, in every resource of `entries`, each reference equal to a fullUrl in `identities`, and resolves
   * each conditional reference (one look-up per distinct criteria). Inside a transaction a failure names the
   * entry and fails the whole; a batch calls this per entry.
   */
  async rewrite(entries: BundleEntry[], identities: Map<string, string>): Promise<void> {
    const pending = new Map<string, { entry: BundleEntry; holders: Holder[] }>();
    for (const e of entries) {
      if (e.error || !e.resource) continue;
      walk(e.resource, (holder) => {
        const reference = holder.reference as string;
        const mapped = identities.get(reference);
        if (mapped !== undefined) holder.reference = mapped;
        else if (CONDITIONAL_REFERENCE.test(reference)) {
          const found = pending.get(reference);
          if (found) found.holders.push(holder);
          else pending.set(reference, { entry: e, holders: [holder] });
        }
      });
    }
    for (const [reference, { entry, holders }] of pending) {
      let target: string;
      try {
        target = await this.resolveConditional(reference);
      } catch (err) {
        throw err instanceof FhirError ? atEntry({ ...entry, url: describe(entry) }, err) : err;
      }
      for (const holder of holders) holder.reference = target;
    }
  }

  private async resolveConditional(reference: string): Promise<string> {
    const [, type, text] = CONDITIONAL_REFERENCE.exec(reference)!;
    const criteria = parseCriteria(text, `The conditional reference ${type}?`);
    const matches = await this.matcher.match(type, criteria);
    if (matches.length > 1) throw tooManyMatches(type, criteria, 'The conditional reference');
    if (matches.length === 0) {
      throw FhirError.of(412, 'not-found', 'conditional-reference-unresolved',
        `The conditional reference ${type}?${canonicalCriteria(criteria)} matches no resource`);
    }
    return `${type}/${matches[0]}`;
  }
}

/** `METHOD url` of an entry, for messages. */
export function describe(e: BundleEntry): string {
  const path = [e.type, e.id, e.vid !== undefined ? '_history' : undefined, e.vid].filter((p) => p !== undefined).join('/');
  return e.hasQuery ? `${path}?${canonicalCriteria(e.query)}` : path;
}
