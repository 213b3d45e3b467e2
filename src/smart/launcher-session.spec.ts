// Unit tests of the EHR launcher's session cookie: signature, idle and absolute timeouts, a new id at sign-in.
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app.config';
import { ServerSecrets } from '../storage/server-secrets';
import { LAUNCHER_ABSOLUTE_SECONDS, LAUNCHER_IDLE_SECONDS, LauncherSessions } from './launcher-session';

const key = randomBytes(32);
const secrets = { get: async () => key } as unknown as ServerSecrets;
const sessions = (url = 'http://localhost:8080') => new LauncherSessions(secrets, { publicUrl: url } as AppConfig);

/** The Cookie header a browser sends back for a Set-Cookie value. */
const sent = (setCookie: string) => setCookie.split(';')[0];

afterEach(() => jest.restoreAllMocks());

function at(seconds: number): void {
  jest.spyOn(Date, 'now').mockReturnValue(seconds * 1000);
}

it('reads back a session it wrote, and nothing from a changed cookie', async () => {
  const s = sessions();
  const session = s.signedIn('user-1');
  const cookie = sent(await s.setCookie(session));
  expect(await s.read(cookie)).toEqual({ ...session, last: expect.any(Number) });
  const [name, value] = cookie.split('=');
  const [payload, signature] = value.split('.');
  const other = Buffer.from(JSON.stringify({ s: session.sid, u: 'admin', i: session.iat, l: session.last })).toString('base64url');
  expect(await s.read(`${name}=${other}.${signature}`)).toBeUndefined();
  expect(await s.read(`${name}=${payload}.${signature.slice(1)}`)).toBeUndefined();
  expect(await s.read(`${name}=${payload}`)).toBeUndefined();
  expect(await s.read(undefined)).toBeUndefined();
});

it('ends a session after the idle time and after the absolute time', async () => {
  const s = sessions();
  const start = 1_800_000_000;
  at(start);
  const session = s.signedIn('user-1');
  let cookie = sent(await s.setCookie(session));
  at(start + LAUNCHER_IDLE_SECONDS + 1);
  expect(await s.read(cookie)).toBeUndefined();
  // Used every 20 minutes, it still ends at the absolute limit.
  let t = start;
  while (t + 20 * 60 < start + LAUNCHER_ABSOLUTE_SECONDS) {
    t += 20 * 60;
    at(t);
    const read = await s.read(cookie);
    expect(read?.userId).toBe('user-1');
    cookie = sent(await s.setCookie(read!));
  }
  at(start + LAUNCHER_ABSOLUTE_SECONDS + 1);
  expect(await s.read(cookie)).toBeUndefined();
});

it('gives every sign-in a new session id, and sets the cookie attributes', async () => {
  const s = sessions('https://ehr.example');
  const before = s.anonymous();
  const after = s.signedIn('user-1');
  expect(after.sid).not.toBe(before.sid);
  const header = await s.setCookie(after);
  expect(header).toMatch(/; Path=\/smart\/launch; HttpOnly; SameSite=Lax; Secure; Max-Age=\d+$/);
  expect(sessions().clearCookie()).toMatch(/Max-Age=0$/);
});
