// Search index columns for the full R4 search: composite groups, identifier types for :of-type, normalised
// text for :text, unbounded date ranges as ±infinity, and indexes that answer the common searches from the
// index alone. https://hl7.org/fhir/R4/search.html
import { MigrationInterface, QueryRunner } from 'typeorm';

const ADD_GROUP = [
  'ALTER TABLE search_string ADD COLUMN grp integer', 'ALTER TABLE search_token ADD COLUMN grp integer',
  'ALTER TABLE search_date ADD COLUMN grp integer', 'ALTER TABLE search_number ADD COLUMN grp integer',
  'ALTER TABLE search_quantity ADD COLUMN grp integer', 'ALTER TABLE search_reference ADD COLUMN grp integer',
  'ALTER TABLE search_uri ADD COLUMN grp integer',
];

export class SearchIndexColumns1700000001000 implements MigrationInterface {
  name = 'SearchIndexColumns1700000001000';

  async up(q: QueryRunner): Promise<void> {
    // The values of one composite parameter that come from the same element share a group number.
    for (const sql of ADD_GROUP) await q.query(sql);
    await q.query('ALTER TABLE search_token RENAME COLUMN display TO text');
    await q.query('ALTER TABLE search_token ADD COLUMN type_system text, ADD COLUMN type_code text');
    await q.query(`UPDATE search_date SET low = '-infinity' WHERE low IS NULL`);
    await q.query(`UPDATE search_date SET high = 'infinity' WHERE high IS NULL`);
    await q.query('ALTER TABLE search_date ALTER COLUMN low SET NOT NULL, ALTER COLUMN high SET NOT NULL');

    await q.query('DROP INDEX search_string_value_idx, search_token_code_idx, search_date_range_idx, search_number_value_idx, ' +
      'search_quantity_value_idx, search_reference_target_idx, search_uri_value_idx');
    await q.query('CREATE INDEX search_string_value_idx ON search_string (resource_type, param, normalized text_pattern_ops) INCLUDE (resource_id)');
    await q.query('CREATE INDEX search_token_code_idx ON search_token (resource_type, param, code, system) INCLUDE (resource_id)');
    await q.query('CREATE INDEX search_token_text_idx ON search_token (resource_type, param, text text_pattern_ops) INCLUDE (resource_id)');
    await q.query('CREATE INDEX search_date_low_idx ON search_date (resource_type, param, low) INCLUDE (high, resource_id)');
    await q.query('CREATE INDEX search_date_high_idx ON search_date (resource_type, param, high) INCLUDE (low, resource_id)');
    await q.query('CREATE INDEX search_number_value_idx ON search_number (resource_type, param, value) INCLUDE (resource_id)');
    await q.query('CREATE INDEX search_quantity_value_idx ON search_quantity (resource_type, param, code, value) INCLUDE (system, unit, resource_id)');
    await q.query('CREATE INDEX search_reference_target_idx ON search_reference (resource_type, param, target_id, target_type) INCLUDE (resource_id)');
    await q.query('CREATE INDEX search_reference_inbound_idx ON search_reference (target_type, target_id) INCLUDE (resource_type, param, resource_id)');
    await q.query('CREATE INDEX search_reference_url_idx ON search_reference (resource_type, param, url) INCLUDE (resource_id)');
    await q.query('CREATE INDEX search_uri_value_idx ON search_uri (resource_type, param, value text_pattern_ops) INCLUDE (resource_id)');
    await q.query('CREATE INDEX resource_type_id_live_idx ON resource (resource_type, id) WHERE NOT deleted');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX search_token_text_idx, search_date_low_idx, search_date_high_idx, search_reference_inbound_idx, ' +
      'search_reference_url_idx, resource_type_id_live_idx');
    for (const sql of ADD_GROUP) await q.query(sql.replace('ADD COLUMN grp integer', 'DROP COLUMN grp'));
    await q.query('ALTER TABLE search_token DROP COLUMN type_system, DROP COLUMN type_code');
    await q.query('ALTER TABLE search_token RENAME COLUMN text TO display');
    await q.query('ALTER TABLE search_date ALTER COLUMN low DROP NOT NULL, ALTER COLUMN high DROP NOT NULL');
  }
}
