// The audit trail: one row per AuditEvent, hash-chained in `seq` order and append-only.
// https://hl7.org/fhir/R4/auditevent.html
import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditTrail1700000007000 implements MigrationInterface {
  name = 'AuditTrail1700000007000';

  async up(q: QueryRunner): Promise<void> {
    // seq is numbered by the writer (last + 1, under an advisory lock), not by a sequence: a sequence leaves holes
    // when a transaction rolls back, and a hole must mean that a record was removed.
    // content is the AuditEvent exactly as hashed (text, not jsonb, which would re-serialise it).
    // compartments, agents and entities are derived from content for searching; `audit verify` checks them.
    await q.query(`
      CREATE TABLE audit_event (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        id text NOT NULL UNIQUE,
        recorded timestamptz NOT NULL,
        compartments text[] NOT NULL DEFAULT '{}',
        agents text[] NOT NULL DEFAULT '{}',
        entities text[] NOT NULL DEFAULT '{}',
        content text NOT NULL,
        prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
        hash bytea NOT NULL CHECK (length(hash) = 32)
      )`);
    await q.query('CREATE INDEX audit_event_compartments_idx ON audit_event USING gin (compartments)');
    await q.query('CREATE INDEX audit_event_agents_idx ON audit_event USING gin (agents)');
    await q.query('CREATE INDEX audit_event_entities_idx ON audit_event USING gin (entities)');
    await q.query('CREATE INDEX audit_event_recorded_idx ON audit_event (recorded)');
    // Append-only for everyone who does not disable triggers (the owner or a superuser can: see the README).
    await q.query(`
      CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
      FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(`CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
      FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_event');
    await q.query('DROP FUNCTION audit_event_append_only()');
  }
}
