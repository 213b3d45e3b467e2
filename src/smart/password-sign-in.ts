// One password sign-in, as the login page and the EHR launcher both do it: throttled, then verified. An unknown
// name and a wrong password come back as the same `failed` (and cost the same hash verification); a locked
// account or address comes back as `locked` before any password is looked at.
// https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#authentication-responses
import { Injectable } from '@nestjs/common';
import { AuthorizationAudit } from '../audit/authorization.audit';
import { LoginThrottle } from './login-throttle';
import { AppUser, UsersRepository } from './users.repository';

/** Longer input is refused without hashing it, so a huge password cannot be used to burn CPU. */
const MAX_USERNAME = 256;
const MAX_PASSWORD = 1024;

/** The one message for an unknown name and a wrong password alike. */
export const SIGN_IN_FAILED = 'The username or password is not right.';

export function lockedMessage(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

export type SignInResult = { outcome: 'ok'; user: AppUser } | { outcome: 'failed' } | { outcome: 'locked'; retryAfterSeconds: number };

@Injectable()
export class PasswordSignIn {
  constructor(private readonly users: UsersRepository, private readonly throttle: LoginThrottle, private readonly audit: AuthorizationAudit) {}

  /** `clientId`: the app the sign-in is for, if any (for the audit trail). */
  async signIn(username: string, password: string, address: string, clientId?: string): Promise<SignInResult> {
    const attempt = await this.throttle.admit(username.slice(0, MAX_USERNAME), address);
    if (!attempt.admitted) {
      this.audit.signIn('locked', username, address, undefined, clientId);
      return { outcome: 'locked', retryAfterSeconds: attempt.retryAfterSeconds };
    }
    const user = username.length > 0 && username.length <= MAX_USERNAME && password.length <= MAX_PASSWORD
      ? await this.users.verify(username, password)
      : undefined;
    if (!user) {
      await this.throttle.failed(attempt);
      this.audit.signIn('failed', username, address, undefined, clientId);
      return { outcome: 'failed' };
    }
    await this.throttle.succeeded(attempt);
    this.audit.signIn('ok', username, address, user, clientId);
    return { outcome: 'ok', user };
  }
}
