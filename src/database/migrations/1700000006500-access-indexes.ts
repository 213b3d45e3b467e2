// History versions are filtered by their own patient-compartment keys (a patient token's history): a GIN
// index on them, like the one on current resources.
import { MigrationInterface, QueryRunner } from 'typeorm';

export class AccessIndexes1700000006500 implements MigrationInterface {
  name = 'AccessIndexes1700000006500';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX resource_history_compartments_idx ON resource_history USING gin (compartments)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX resource_history_compartments_idx');
  }
}
