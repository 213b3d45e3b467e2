// Unit tests of the authorization server's session lifetime: idle limit, capped by the absolute limit from sign-in.
import type { KoaContextWithOIDC, Session } from 'oidc-provider';
import { SESSION_ABSOLUTE_SECONDS, SESSION_IDLE_SECONDS, sessionTtl } from './provider-session.policy';

const now = () => Math.floor(Date.now() / 1000);
const ttl = (loginTs?: number) => sessionTtl({} as KoaContextWithOIDC, { loginTs } as unknown as Session);

it('keeps a session the idle time from each save', () => {
  expect(ttl(undefined)).toBe(SESSION_IDLE_SECONDS);
  expect(ttl(now())).toBe(SESSION_IDLE_SECONDS);
  expect(ttl(now() - 3 * 3600)).toBe(SESSION_IDLE_SECONDS);
});

it('never past the absolute limit counted from the sign-in', () => {
  const left = ttl(now() - SESSION_ABSOLUTE_SECONDS + 100);
  expect(left).toBeGreaterThanOrEqual(99);
  expect(left).toBeLessThanOrEqual(100);
  expect(ttl(now() - SESSION_ABSOLUTE_SECONDS - 50)).toBe(1);
  expect(Number.isInteger(ttl(now() - 1234))).toBe(true);
});
