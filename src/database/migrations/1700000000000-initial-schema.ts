// The generic versioned store: current resources, every version, and one search-index table per parameter type.
import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1700000000000 implements MigrationInterface {
  name = 'InitialSchema1700000000000';

  async up(q: QueryRunner): Promise<void> {
    // content is the resource exactly as served (text keeps the client's element order and is sent without
    // re-serialising); searches never read it, they use the index tables below.
    await q.query(`
      CREATE TABLE resource (
        resource_type text NOT NULL,
        id text NOT NULL,
        version_id integer NOT NULL,
        last_updated timestamptz NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        content text,
        compartments text[] NOT NULL DEFAULT '{}',
        PRIMARY KEY (resource_type, id)
      )`);
    await q.query(`CREATE INDEX resource_type_updated_idx ON resource (resource_type, last_updated)`);
    await q.query(`CREATE INDEX resource_compartments_idx ON resource USING gin (compartments)`);
    await q.query(`
      CREATE TABLE resource_history (
        seq bigserial PRIMARY KEY,
        resource_type text NOT NULL,
        id text NOT NULL,
        version_id integer NOT NULL,
        last_updated timestamptz NOT NULL,
        method text NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        content text,
        compartments text[] NOT NULL DEFAULT '{}',
        UNIQUE (resource_type, id, version_id)
      )`);
    await q.query(`CREATE INDEX resource_history_type_seq_idx ON resource_history (resource_type, seq DESC)`);
    await q.query(`CREATE INDEX resource_history_instance_seq_idx ON resource_history (resource_type, id, seq DESC)`);
    await q.query(`CREATE INDEX resource_history_updated_idx ON resource_history (last_updated)`);

    // One row per extracted value; (resource_type, resource_id) ties a row to its resource's current version.
    const indexTables = [
      'CREATE TABLE search_string (resource_type text NOT NULL, resource_id text NOT NULL, param text NOT NULL, value text NOT NULL, normalized text NOT NULL)',
      'CREATE INDEX search_string_owner_idx ON search_string (resource_type, resource_id)',
      'CREATE TABLE search_token (resource_type text NOT NULL, resource_id text NOT NULL, param text NOT NULL, system text, code text, display text)',
      'CREATE INDEX search_token_owner_idx ON search_token (resource_type, resource_id)',
      'CREATE TABLE search_date (resource_type text NOT NULL, resource_id text NOT NULL, param text NOT NULL, low timestamptz, high timestamptz)',
      'CREATE INDEX search_date_owner_idx ON search_date (resource_type, resource_id)',
      'CREATE TABLE search_number (resource_type text NOT NULL, resource_id text NOT NULL, param text NOT NULL, value numeric NOT NULL)',
      'CREATE INDEX search_number_owner_idx ON search_number (resource_type, resource_id)',
      'CREATE TABLE search_quantity (resource_type text NOT NULL, resource_id text NOT NULL, param text NOT NULL, value numeric, system text, code text, unit text)',
      'CREATE INDEX search_quantity_owner_idx ON search_quantity (resource_type, resource_id)',
      'CREATE TABLE search_reference (resource_type text NOT NULL, resource_id text NOT NULL, param text NOT NULL, target_type text, target_id text, url text)',
      'CREATE INDEX search_reference_owner_idx ON search_reference (resource_type, resource_id)',
      'CREATE TABLE search_uri (resource_type text NOT NULL, resource_id text NOT NULL, param text NOT NULL, value text NOT NULL)',
      'CREATE INDEX search_uri_owner_idx ON search_uri (resource_type, resource_id)',
      'CREATE INDEX search_string_value_idx ON search_string (resource_type, param, normalized text_pattern_ops)',
      'CREATE INDEX search_token_code_idx ON search_token (resource_type, param, code, system)',
      'CREATE INDEX search_date_range_idx ON search_date (resource_type, param, low, high)',
      'CREATE INDEX search_number_value_idx ON search_number (resource_type, param, value)',
      'CREATE INDEX search_quantity_value_idx ON search_quantity (resource_type, param, code, value)',
      'CREATE INDEX search_reference_target_idx ON search_reference (target_type, target_id, param)',
      'CREATE INDEX search_uri_value_idx ON search_uri (resource_type, param, value)',
    ];
    for (const sql of indexTables) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP TABLE search_string, search_token, search_date, search_number, search_quantity, search_reference, ' +
        'search_uri, resource_history, resource',
    );
  }
}
