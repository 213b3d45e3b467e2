// The EHR launcher's own small session: a cookie holding a session id, the signed-in user's id and the issue and
// last-use times, signed with HMAC-SHA256 (key kept in server_secret), HttpOnly, SameSite=Lax, Secure when the
// public URL is https. It ends after 30 idle minutes or 8 hours; signing in always starts a new session id.
// https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html
import { Inject, Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { ServerSecrets } from '../storage/server-secrets';

export const LAUNCHER_COOKIE = 'smart_launcher';
export const LAUNCHER_PATH = '/smart/launch';
export const LAUNCHER_IDLE_SECONDS = 30 * 60;
export const LAUNCHER_ABSOLUTE_SECONDS = 8 * 3600;

export interface LauncherSession {
  /** Session id: what the launcher's CSRF tokens are bound to. */
  sid: string;
  /** The signed-in user; absent before sign-in. */
  userId?: string;
  /** Issue time, seconds since the epoch. */
  iat: number;
  /** Last use, seconds since the epoch. */
  last: number;
}

interface CookiePayload {
  s: string;
  u?: string;
  i: number;
  l: number;
}

const now = () => Math.floor(Date.now() / 1000);

/** The value of one cookie in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

@Injectable()
export class LauncherSessions {
  private readonly secure: boolean;

  constructor(private readonly secrets: ServerSecrets, @Inject(APP_CONFIG) config: AppConfig) {
    this.secure = config.publicUrl.startsWith('https://');
  }

  private async sign(payload: string): Promise<string> {
    return createHmac('sha256', await this.secrets.get('launcher-session')).update(payload).digest('base64url');
  }

  /** The session of this request, if its cookie is genuine and neither idle nor too old. */
  async read(cookieHeader: string | undefined): Promise<LauncherSession | undefined> {
    const raw = cookieValue(cookieHeader, LAUNCHER_COOKIE);
    if (!raw || raw.length > 512) return undefined;
    const [payload, signature, extra] = raw.split('.');
    if (!payload || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(await this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let parsed: CookiePayload;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CookiePayload;
    } catch {
      return undefined;
    }
    const t = now();
    if (typeof parsed.s !== 'string' || typeof parsed.i !== 'number' || typeof parsed.l !== 'number') return undefined;
    if (t - parsed.l > LAUNCHER_IDLE_SECONDS || t - parsed.i > LAUNCHER_ABSOLUTE_SECONDS || parsed.l > t + 60) return undefined;
    return { sid: parsed.s, userId: typeof parsed.u === 'string' ? parsed.u : undefined, iat: parsed.i, last: parsed.l };
  }

  /** A session for a browser that has none yet (the sign-in form needs something to bind its CSRF token to). */
  anonymous(): LauncherSession {
    const t = now();
    return { sid: randomBytes(18).toString('base64url'), iat: t, last: t };
  }

  /** The session after a sign-in: a new id and a new issue time, never the one used before. */
  signedIn(userId: string): LauncherSession {
    const t = now();
    return { sid: randomBytes(18).toString('base64url'), userId, iat: t, last: t };
  }

  /** The Set-Cookie value that stores `session`, marked as used now. */
  async setCookie(session: LauncherSession): Promise<string> {
    const t = now();
    const body: CookiePayload = { s: session.sid, i: session.iat, l: t };
    if (session.userId) body.u = session.userId;
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    const maxAge = Math.max(0, Math.min(LAUNCHER_IDLE_SECONDS, session.iat + LAUNCHER_ABSOLUTE_SECONDS - t));
    return `${LAUNCHER_COOKIE}=${payload}.${await this.sign(payload)}; ${this.attributes()}; Max-Age=${maxAge}`;
  }

  clearCookie(): string {
    return `${LAUNCHER_COOKIE}=; ${this.attributes()}; Max-Age=0`;
  }

  private attributes(): string {
    return `Path=${LAUNCHER_PATH}; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`;
  }
}
