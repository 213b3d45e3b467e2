// CSRF defence for the sign-in, consent and launcher forms: each form carries a token that is an HMAC (key kept
// in server_secret) of what the form acts on (the interaction uid, or the launcher session id), compared in
// constant time; and a POST whose Origin header is present must come from the server's own public origin.
// https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { ServerSecrets } from '../storage/server-secrets';

/** What a token is bound to; the purpose keeps a token for one kind of form from serving another. */
export type CsrfPurpose = 'interaction' | 'launcher';

/** The form field every page form carries its token in. */
export const CSRF_FIELD = 'csrf';

/** What a refused form post shows (status 403). */
export const FORM_REFUSED = 'This form has expired or was not sent from this site. Go back, reload the page and try again.';

@Injectable()
export class CsrfTokens {
  private readonly origin: string;

  constructor(private readonly secrets: ServerSecrets, @Inject(APP_CONFIG) config: AppConfig) {
    this.origin = new URL(config.publicUrl).origin;
  }

  async token(purpose: CsrfPurpose, boundTo: string): Promise<string> {
    const key = await this.secrets.get('csrf');
    return createHmac('sha256', key).update(`${purpose}\0${boundTo}`).digest('base64url');
  }

  /** Whether `presented` is the token for this purpose and binding. */
  async verify(purpose: CsrfPurpose, boundTo: string, presented: string | undefined): Promise<boolean> {
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 128) return false;
    const expected = Buffer.from(await this.token(purpose, boundTo));
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** An absent Origin passes (older browsers, same-origin GET-to-POST navigations); any other must be ours. */
  originAllowed(origin: string | string[] | undefined): boolean {
    if (origin === undefined) return true;
    return typeof origin === 'string' && origin === this.origin;
  }
}
