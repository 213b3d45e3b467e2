// Secrets the server makes once and every instance shares (the key that signs paging cursors): kept in the
// database so that a restart or another instance verifies what this one signed.
import { MigrationInterface, QueryRunner } from 'typeorm';

export class ServerSecrets1700000002000 implements MigrationInterface {
  name = 'ServerSecrets1700000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE server_secret (name text PRIMARY KEY, value bytea NOT NULL, created timestamptz NOT NULL DEFAULT now())');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE server_secret');
  }
}
