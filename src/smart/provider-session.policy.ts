// How long a sign-in at the authorization server lasts, when an earlier consent may be reused, and the sign-out
// pages: the parts of the oidc-provider configuration that belong to the sign-in pages.
// https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#ttl
// https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-expiration
import type { Grant, KoaContextWithOIDC, Session } from 'oidc-provider';
import { logoutPage, signedOutPage } from './pages/logout.page';
import { originOf, pageHeaders } from './pages/page-reply';

/** A session not used for this long ends (it is saved, and so extended, at each authorization request). */
export const SESSION_IDLE_SECONDS = 60 * 60;
/** And ends this long after the sign-in, however busy. */
export const SESSION_ABSOLUTE_SECONDS = 8 * 3600;

const epoch = () => Math.floor(Date.now() / 1000);

/**
 * ttl.Session: every save sets the stored session to expire after the idle time, but never past the absolute
 * limit counted from the sign-in (loginTs). The store drops expired sessions, so a cookie for one finds nothing
 * and the user signs in again. Refresh tokens without offline_access end with the session.
 */
export function sessionTtl(_ctx: KoaContextWithOIDC, session: Session): number {
  const loginTs = (session as Session & { loginTs?: number }).loginTs;
  if (typeof loginTs !== 'number') return SESSION_IDLE_SECONDS;
  return Math.max(1, Math.min(SESSION_IDLE_SECONDS, loginTs + SESSION_ABSOLUTE_SECONDS - epoch()));
}

/** Scopes that make the authorization choose a patient or encounter: that choice is made anew each time. */
const CONTEXT_SCOPES = ['launch', 'launch/patient', 'launch/encounter'];

/**
 * loadExistingGrant: the grant the user just consented to, or the one this session already holds for the client
 * (so a repeated request for what was granted needs no new consent), except when the request carries an EHR
 * launch or asks for a launch context: then consent is asked again, so that the new launch is checked and used
 * and an earlier patient is never carried over silently.
 */
export async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const consented = (oidc.result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId;
  if (consented) return oidc.provider.Grant.find(consented);
  const params = oidc.params as { launch?: unknown; scope?: unknown };
  const scopes = typeof params.scope === 'string' ? params.scope.split(' ') : [];
  if (params.launch !== undefined || scopes.some((s) => CONTEXT_SCOPES.includes(s))) return undefined;
  const clientId = oidc.client?.clientId;
  const grantId = clientId ? oidc.session?.grantIdFor(clientId) : undefined;
  return grantId ? oidc.provider.Grant.find(grantId) : undefined;
}

/**
 * oidc-provider follows OpenID Connect in dropping offline_access unless the request also says prompt=consent;
 * SMART apps ask for offline_access without it. Such a request (GET) gets `consent` added to its prompt: our
 * consent page, which shows offline_access, is then always shown. prompt=none is left alone.
 * https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#scopes-for-requesting-a-refresh-token
 */
export function offlineAccessAsksConsent() {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    if (ctx.method === 'GET' && ctx.path === '/authorize') {
      const query = new URLSearchParams(ctx.querystring);
      const scopes = (query.get('scope') ?? '').split(' ');
      const prompts = (query.get('prompt') ?? '').split(' ').filter(Boolean);
      if (scopes.includes('offline_access') && !prompts.includes('consent') && !prompts.includes('none') && query.getAll('prompt').length <= 1) {
        query.set('prompt', [...prompts, 'consent'].join(' '));
        // oidc-provider finds its mount path by locating ctx.url in the original URL: keep both in step.
        const req = ctx.req as typeof ctx.req & { originalUrl?: string };
        const mount = req.originalUrl && req.originalUrl.endsWith(ctx.url) ? req.originalUrl.slice(0, req.originalUrl.length - ctx.url.length) : '';
        ctx.querystring = query.toString();
        if (req.originalUrl) req.originalUrl = mount + ctx.url;
      }
    }
    await next();
  };
}

function setPageHeaders(ctx: KoaContextWithOIDC, formTargets: (string | undefined)[] = []): void {
  for (const [name, value] of Object.entries(pageHeaders(formTargets))) ctx.set(name, value);
}

/** features.rpInitiatedLogout.logoutSource: our page around the provider's form (which carries its xsrf token). */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const postLogout = (ctx.oidc.params as { post_logout_redirect_uri?: unknown } | undefined)?.post_logout_redirect_uri;
  setPageHeaders(ctx, [originOf(postLogout)]);
  ctx.body = logoutPage(form);
}

/** features.rpInitiatedLogout.postLogoutSuccessSource: shown when no app asked to be returned to. */
export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  setPageHeaders(ctx);
  ctx.body = signedOutPage();
}
