// `reindex [type...]`: rebuilds the search-index rows of every current resource (or of the given types) from its
// stored content, in batches of REINDEX_BATCH per transaction; for after the search parameters changed.
// https://hl7.org/fhir/R4/search.html
import { r4ResourceTypeNames } from '../conformance/definitions';
import { SearchIndexWriter } from '../search/search-index.writer';
import { DatabaseSession } from '../storage/database-session';
import { FhirResource } from '../storage/stored-resource';
import { AdminCommand, UsageError } from './admin-command';
import { Progress } from './progress';

export const REINDEX_BATCH = 500;
const COUNT_BY_TYPE =
  'SELECT resource_type, count(*)::int AS n FROM resource WHERE ($1::text[] IS NULL OR resource_type = ANY($1)) ' +
  'GROUP BY resource_type ORDER BY resource_type';
const PAGE = 'SELECT id, content FROM resource WHERE resource_type = $1 AND id > $2 ORDER BY id LIMIT $3';

interface ReindexOptions {
  types: string[] | null;
}

export const reindexCommand: AdminCommand<ReindexOptions> = {
  name: 'reindex',
  usage: 'reindex [type...]',
  summary: 'rebuild the search-index rows of all current resources, or of the given resource types',

  parse(args) {
    const known = new Set(r4ResourceTypeNames());
    const unknown = args.filter((t) => !known.has(t));
    if (unknown.length > 0) throw new UsageError(`Not R4 resource types: ${unknown.join(', ')}`);
    return { types: args.length > 0 ? [...new Set(args)] : null };
  },

  async run({ types }, { app }) {
    const db = app.get(DatabaseSession);
    const writer = app.get(SearchIndexWriter);
    const counts = await db.query<{ resource_type: string; n: number }>(COUNT_BY_TYPE, [types]);
    const progress = new Progress(counts.reduce((n, c) => n + c.n, 0), 'resources');
    const done: Record<string, number> = {};
    for (const { resource_type: type } of counts) {
      done[type] = 0;
      let after = '';
      for (;;) {
        const rows = await db.query<{ id: string; content: string | null }>(PAGE, [type, after, REINDEX_BATCH]);
        if (rows.length === 0) break;
        await db.transaction(async (em) => {
          for (const row of rows) {
            await writer.reindex(em, type, row.id, row.content === null ? null : (JSON.parse(row.content) as FhirResource));
          }
        });
        done[type] += rows.length;
        progress.advance(rows.length);
        after = rows[rows.length - 1].id;
      }
    }
    progress.finish();
    const resources = Object.values(done).reduce((a, b) => a + b, 0);
    const seconds = progress.elapsedSeconds;
    return {
      output: { types: done, resources, seconds: Number(seconds.toFixed(2)), resourcesPerSecond: Math.round(resources / Math.max(seconds, 0.001)) },
      exitCode: 0,
    };
  },
};
