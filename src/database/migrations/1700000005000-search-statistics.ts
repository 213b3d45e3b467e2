// Planner statistics and index shapes for large data: the columns of a token row are far from independent
// (a code implies its system, parameter and resource type), and without extended statistics PostgreSQL
// underestimates matches by orders of magnitude and picks plans that cost O(matches) instead of O(page).
// The token index keys on resource_id after the code, so a keyset page can start inside the index.
import { MigrationInterface, QueryRunner } from 'typeorm';

export class SearchStatistics1700000005000 implements MigrationInterface {
  name = 'SearchStatistics1700000005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE STATISTICS search_token_stats (dependencies, mcv) ON resource_type, param, system, code FROM search_token');
    await q.query('CREATE STATISTICS search_reference_stats (dependencies, mcv) ON resource_type, param, target_type FROM search_reference');
    await q.query('CREATE STATISTICS search_date_stats (dependencies, mcv) ON resource_type, param FROM search_date');
    await q.query('CREATE STATISTICS search_string_stats (dependencies, mcv) ON resource_type, param FROM search_string');
    await q.query('DROP INDEX search_token_code_idx');
    await q.query('CREATE INDEX search_token_code_idx ON search_token (resource_type, param, code, resource_id) INCLUDE (system)');
    await q.query('ANALYZE search_token, search_reference, search_date, search_string');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP STATISTICS search_token_stats, search_reference_stats, search_date_stats, search_string_stats');
    await q.query('DROP INDEX search_token_code_idx');
    await q.query('CREATE INDEX search_token_code_idx ON search_token (resource_type, param, code, system) INCLUDE (resource_id)');
  }
}
