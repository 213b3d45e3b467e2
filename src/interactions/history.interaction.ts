// history-instance, history-type and history-system: newest first, _count, _since, keyset paging.
// https://hl7.org/fhir/R4/http.html#history
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { ConformanceRegistry } from '../conformance/conformance.registry';
import { bundleText, historyEntry } from '../outcome/bundle.builder';
import { FhirResult } from '../outcome/fhir-result';
import { FhirError } from '../outcome/operation-outcome';
import { HistoryRepository } from '../storage/history.repository';
import { ResourceRepository } from '../storage/resource.repository';
import { AccessScope } from '../access/access-scope';
import { BundleLink } from '../outcome/bundle.builder';
import { PageCursors } from '../search/page-cursor';
import { instantParam, pageSize, pageUrl, Query, single, withinBudget } from './paging';
import { notFound, requireValidId } from './interaction-errors';

@Injectable()
export class HistoryInteraction {
  constructor(
    private readonly history: HistoryRepository,
    private readonly resources: ResourceRepository,
    private readonly registry: ConformanceRegistry,
    private readonly cursors: PageCursors,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(query: Query, type?: string, id?: string): Promise<FhirResult> {
    if (id !== undefined) {
      requireValidId(id);
      if (!(await this.resources.readCurrent(type!, id))) throw notFound(type!, id);
    }
    const count = pageSize(query, this.config.defaultPageSize, this.config.maxPageSize);
    const since = instantParam(query, '_since');
    // The cursor is signed and bound to the caller and this listing, like a search's: the position inside it
    // (the history sequence) is neither readable nor editable, nor usable by another caller.
    const principal = AccessScope.current().principal;
    const binding = JSON.stringify(['history', principal?.subject ?? null, principal?.clientId ?? null, principal?.patient ?? null,
      type ?? null, id ?? null, since?.toISOString() ?? null, count]);
    const rawCursor = single(query, '_cursor');
    const before = rawCursor === undefined ? undefined : (await this.cursors.decode(rawCursor, binding)).position.id;
    if (before !== undefined && !/^\d{1,18}$/.test(before)) {
      throw FhirError.of(400, 'invalid', 'invalid-cursor', 'The paging cursor is not valid');
    }
    // System history shows only the types whose history is served; type and instance history, their own.
    const types = type !== undefined ? [type] : this.registry.resourceTypes.filter((t) => this.registry.supports(t, 'history-type'));
    const page = count === 0 ? { versions: [], hasMore: false } : await this.history.page({ types, id, since, before, count });
    const versions = withinBudget(page.versions);
    const hasMore = page.hasMore || versions.length < page.versions.length;
    const path = [this.config.fhirBaseUrl, type, id, '_history'].filter((p) => p !== undefined).join('/');
    const params = { _count: String(count), _since: since?.toISOString() };
    const at = (cursor?: string) => pageUrl(path, { ...params, _cursor: cursor });
    const link: BundleLink[] = [{ relation: 'self', url: at(rawCursor) }, { relation: 'first', url: at() }];
    if (hasMore) {
      link.push({ relation: 'next', url: at(await this.cursors.encode({ position: { id: versions[versions.length - 1].seq!, values: [] }, backwards: false }, binding)) });
    }
    // Counting a whole type's or server's history is a table scan; only an instance's is cheap enough.
    const total = id !== undefined ? await this.history.count({ types, id, since }) : undefined;
    const entries = versions.map((v) => historyEntry(this.config.fhirBaseUrl, v));
    return { status: 200, raw: bundleText('history', link, entries, total) };
  }
}
