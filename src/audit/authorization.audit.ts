// AuditEvents of the authorization server: password sign-ins (success, failure, lockout), consent given or
// denied, tokens issued, refreshed, refused and revoked, grants revoked. Never a password, token, secret or
// cookie: a sign-in names the account only when the name is an account's; a token is named by its jti only.
// https://hl7.org/fhir/R4/auditevent.html https://hl7.org/fhir/smart-app-launch/
import { Injectable, Logger } from '@nestjs/common';
import { decodeJwt } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { AppUser, UsersRepository } from '../smart/users.repository';
import { AUTHENTICATION_TYPE, AuthorizationEvent, authorizationSubtype, LOGIN_SUBTYPE, SECURITY_USER_ROLE, SYSTEM_OBJECT } from './audit-codes';
import { AuditActor, AuditEntity, AuditInput } from './audit-event.builder';
import { AuditTrail } from './audit-trail.service';

const PATIENT_USER = /^Patient\/([A-Za-z0-9\-.]{1,64})$/;
const PATIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const short = (value: unknown, max = 128): string | undefined => (typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined);

export type SignInOutcome = 'ok' | 'failed' | 'locked';

function userActor(user: AppUser, address?: string, clientId?: string): AuditActor {
  return { userId: user.id, fhirUser: user.fhirUser, userName: user.username, address, clientId };
}

/** An entity with the details that have a value (FHIR allows no empty array). */
function entity(name: string, entries: [string, string | undefined][]): AuditEntity {
  const detail = entries.filter((e): e is [string, string] => e[1] !== undefined).map(([type, valueString]) => ({ type, valueString }));
  return { type: SYSTEM_OBJECT, name, ...(detail.length > 0 ? { detail } : {}) };
}

@Injectable()
export class AuthorizationAudit {
  private readonly logger = new Logger('AuthorizationAudit');

  constructor(private readonly trail: AuditTrail, private readonly users: UsersRepository) {}

  /**
   * A password sign-in. The attempted name is recorded only when it is an account's (a name typed into the
   * wrong field may be a password); the lookup runs after the answer, off the sign-in's path and timing.
   */
  signIn(outcome: SignInOutcome, attempted: string, address: string, user?: AppUser, clientId?: string): void {
    this.trail.recordLater((async () => {
      const account = user ?? (attempted.length <= 256 ? await this.users.byUsername(attempted) : undefined);
      const actor: AuditActor = account ? userActor(account, address, clientId) : { address, clientId };
      const text = outcome === 'ok' ? undefined : outcome === 'locked' ? 'sign-in refused: too many attempts' : 'sign-in failed: wrong username or password';
      return {
        type: AUTHENTICATION_TYPE, subtype: [LOGIN_SUBTYPE], action: 'E', outcome: outcome === 'ok' ? '0' : '4', outcomeDesc: text, actor,
        entities: account ? [] : [{ type: SYSTEM_OBJECT, role: SECURITY_USER_ROLE, description: 'no account has the name given' }],
        patients: this.ownPatient(account),
      } satisfies AuditInput;
    })());
  }

  /**
   * Consent given (the scopes granted, the patient chosen), denied by the user, refused by the server, or a
   * sign-in page left with "Cancel" (`prompt` login). The user is looked up off the request's path.
   */
  consent(outcome: 'granted' | 'denied' | 'cancelled', userId: string | undefined, clientId: string | undefined, address: string,
    facts: { scopes?: string[]; patient?: string; reason?: string } = {}): void {
    this.trail.recordLater((async () => {
      const user = userId ? await this.users.byId(userId) : undefined;
      const event: AuthorizationEvent = outcome === 'granted' ? 'consent-granted' : outcome === 'denied' ? 'consent-denied' : 'sign-in-cancelled';
      const patients = this.ownPatient(user);
      if (facts.patient && PATIENT_ID.test(facts.patient)) patients.push(`Patient/${facts.patient}`);
      return {
        type: AUTHENTICATION_TYPE, subtype: [authorizationSubtype(event)], action: 'E', outcome: outcome === 'granted' ? '0' : '4',
        outcomeDesc: facts.reason?.slice(0, 500),
        actor: user ? userActor(user, address, clientId) : { address, clientId },
        entities: facts.scopes ? [entity('consent', [['scope', facts.scopes.join(' ').slice(0, 4000)]])] : [],
        patients,
      } satisfies AuditInput;
    })());
  }

  /** The user's own record, for a patient: so that they see their own sign-ins and consents. */
  private ownPatient(user: AppUser | undefined): string[] {
    const own = PATIENT_USER.exec(user?.fhirUser ?? '');
    return own ? [`Patient/${own[1]}`] : [];
  }

  /** Koa middleware for the provider, to be used first: it sees each token and revocation answer as sent. */
  providerMiddleware() {
    return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
      await next();
      try {
        const route = ctx.oidc?.route;
        if (route === 'token') this.tokenEndpoint(ctx);
        else if (route === 'revocation') this.revocation(ctx);
      } catch (err) {
        this.logger.error(`An authorization event could not be recorded: ${(err as Error).message}`);
      }
    };
  }

  /** A grant revoked by the provider itself (a replayed code, a revoked refresh token's grant). */
  grantRevoked(ctx: KoaContextWithOIDC | undefined): void {
    this.trail.record({
      type: AUTHENTICATION_TYPE, subtype: [authorizationSubtype('grant-revoked')], action: 'D', outcome: '0',
      actor: { clientId: short(ctx?.oidc?.client?.clientId), address: ctx?.ip },
    });
  }

  private clientOf(ctx: KoaContextWithOIDC): string | undefined {
    // An unauthenticated request names a client it may not be: recorded as given, the outcome says it failed.
    return short(ctx.oidc.client?.clientId) ?? short(ctx.oidc.params?.client_id);
  }

  private tokenEndpoint(ctx: KoaContextWithOIDC): void {
    const grantType = short(ctx.oidc.params?.grant_type, 64);
    const body = (ctx.body ?? {}) as { access_token?: unknown; scope?: unknown; patient?: unknown; error?: unknown; error_description?: unknown };
    const entities = ctx.oidc.entities as Record<string, { accountId?: string } | undefined>;
    const userId = short(entities.Grant?.accountId ?? entities.AuthorizationCode?.accountId ?? entities.RefreshToken?.accountId);
    const actor: AuditActor = { clientId: this.clientOf(ctx), userId, address: ctx.ip };
    const ok = ctx.status < 400 && typeof body.access_token === 'string';
    if (ok) actor.tokenId = short(decodeJwt(body.access_token as string).jti);
    const event: AuthorizationEvent = !ok ? 'token-refused' : grantType === 'refresh_token' ? 'token-refreshed' : 'token-issued';
    const patient = typeof body.patient === 'string' && PATIENT_ID.test(body.patient) ? [`Patient/${body.patient}`] : [];
    this.trail.record({
      type: AUTHENTICATION_TYPE, subtype: [authorizationSubtype(event)], action: ok ? 'C' : 'E', outcome: ok ? '0' : ctx.status >= 500 ? '8' : '4',
      outcomeDesc: ok ? undefined : `${ctx.status} ${short(body.error, 64) ?? ''}`.trim(),
      actor,
      entities: [entity('token request', [['grant_type', grantType], ['scope', ok ? short(body.scope, 4000) : undefined]])],
      patients: patient,
    });
  }

  private revocation(ctx: KoaContextWithOIDC): void {
    const ok = ctx.status < 400;
    const body = (ctx.body ?? {}) as { error?: unknown };
    this.trail.record({
      type: AUTHENTICATION_TYPE, subtype: [authorizationSubtype('token-revoked')], action: 'D', outcome: ok ? '0' : ctx.status >= 500 ? '8' : '4',
      outcomeDesc: ok ? undefined : `${ctx.status} ${short(body.error, 64) ?? ''}`.trim(),
      actor: { clientId: this.clientOf(ctx), address: ctx.ip },
      entities: [entity('revocation request', [['token_type_hint', short(ctx.oidc.params?.token_type_hint, 64)]])],
    });
  }
}
