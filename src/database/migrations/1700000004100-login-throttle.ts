// The counters behind sign-in throttling (failed sign-ins per account and per client address, and lockouts),
// in the table layout rate-limiter-flexible's PostgreSQL store reads and writes, so every instance shares them.
// https://github.com/animir/node-rate-limiter-flexible/wiki/PostgreSQL
import { MigrationInterface, QueryRunner } from 'typeorm';

export class LoginThrottle1700000004100 implements MigrationInterface {
  name = 'LoginThrottle1700000004100';

  async up(q: QueryRunner): Promise<void> {
    // expire: milliseconds since the epoch, as the store writes it.
    await q.query('CREATE TABLE login_throttle (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE login_throttle');
  }
}
