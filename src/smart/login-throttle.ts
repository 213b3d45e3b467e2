// Throttles password sign-in (the authorization server's login page and the EHR launcher): at most 5 failures per
// account in 15 minutes, then the account is locked for 15 minutes, twice as long at each further lockout within a
// day (at most a day); at most 20 attempts per client address in 15 minutes, then that address waits 15 minutes.
// The counters live in PostgreSQL (rate-limiter-flexible's store on the application's pool), so every instance
// sees the same ones. https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#protect-against-automated-attacks
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';

export const ACCOUNT_FAILURES = 5;
export const ADDRESS_ATTEMPTS = 20;
const WINDOW_SECONDS = 15 * 60;
const FIRST_LOCKOUT_SECONDS = 15 * 60;
const LONGEST_LOCKOUT_SECONDS = 24 * 3600;
const LOCKOUT_MEMORY_SECONDS = 24 * 3600;
const TABLE = 'login_throttle';

/** An attempt let through to the password check, with the counts that include it. */
export interface AdmittedAttempt {
  admitted: true;
  accountKey: string;
  addressKey: string;
  accountCount: number;
  addressCount: number;
}

export interface RefusedAttempt {
  admitted: false;
  retryAfterSeconds: number;
}

interface Limiters {
  byAccount: RateLimiterPostgres;
  byAddress: RateLimiterPostgres;
  lockouts: RateLimiterPostgres;
}

@Injectable()
export class LoginThrottle {
  private limiters?: Limiters;

  constructor(private readonly dataSource: DataSource) {}

  /** Made on first use: the pool exists only once the DataSource is initialised; the table comes from a migration. */
  private get store(): Limiters {
    if (!this.limiters) {
      const pool = (this.dataSource.driver as unknown as { master: unknown }).master;
      const common = { storeClient: pool, storeType: 'pool', tableName: TABLE, tableCreated: true };
      this.limiters = {
        byAccount: new RateLimiterPostgres({ ...common, keyPrefix: 'account', points: ACCOUNT_FAILURES, duration: WINDOW_SECONDS }),
        byAddress: new RateLimiterPostgres({ ...common, keyPrefix: 'address', points: ADDRESS_ATTEMPTS, duration: WINDOW_SECONDS, clearExpiredByTimeout: false }),
        lockouts: new RateLimiterPostgres({ ...common, keyPrefix: 'lockouts', points: 1000, duration: LOCKOUT_MEMORY_SECONDS, clearExpiredByTimeout: false }),
      };
    }
    return this.limiters;
  }

  /**
   * Counts the attempt before the password is checked (so parallel guesses cannot slip past the limit) and says
   * whether it may go on. The account is counted by name whether or not it exists, so a refusal tells nothing.
   */
  async admit(username: string, address: string): Promise<AdmittedAttempt | RefusedAttempt> {
    const accountKey = createHash('sha256').update(username.trim().toLowerCase()).digest('hex');
    const addressKey = address.slice(0, 64);
    const { byAccount, byAddress } = this.store;
    const [account, addr] = await Promise.all([byAccount.penalty(accountKey, 1), byAddress.penalty(addressKey, 1)]);
    const waits: number[] = [];
    if (account.consumedPoints > ACCOUNT_FAILURES) waits.push(account.msBeforeNext);
    if (addr.consumedPoints > ADDRESS_ATTEMPTS) waits.push(addr.msBeforeNext);
    if (waits.length > 0) return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) };
    return { admitted: true, accountKey, addressKey, accountCount: account.consumedPoints, addressCount: addr.consumedPoints };
  }

  /** A wrong password (or unknown name): the attempt stays counted, and a limit just reached locks. */
  async failed(attempt: AdmittedAttempt): Promise<void> {
    const { byAccount, byAddress, lockouts } = this.store;
    if (attempt.accountCount >= ACCOUNT_FAILURES) {
      const previous: RateLimiterRes = await lockouts.penalty(attempt.accountKey, 1);
      const seconds = Math.min(FIRST_LOCKOUT_SECONDS * 2 ** (previous.consumedPoints - 1), LONGEST_LOCKOUT_SECONDS);
      await byAccount.block(attempt.accountKey, seconds);
    }
    if (attempt.addressCount >= ADDRESS_ATTEMPTS) await byAddress.block(attempt.addressKey, WINDOW_SECONDS);
  }

  /** A good password: the account's failures and lockouts are forgotten, and this attempt does not count against the address. */
  async succeeded(attempt: AdmittedAttempt): Promise<void> {
    const { byAccount, byAddress, lockouts } = this.store;
    await Promise.all([byAccount.delete(attempt.accountKey), lockouts.delete(attempt.accountKey), byAddress.reward(attempt.addressKey, 1)]);
  }
}
