// The token response's `scope` says everything the app was granted: oidc-provider reports the access token's
// scope, which holds only the FHIR (resource) scopes; the identity and launch scopes granted with them
// (openid, fhirUser, launch/patient, offline_access...) are added from the grant, as far as this request covers them.
// https://hl7.org/fhir/smart-app-launch/app-launch.html#response-5
import type { Grant, KoaContextWithOIDC } from 'oidc-provider';

function words(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

export function grantedScopeInTokenResponse() {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    if (ctx.oidc?.route !== 'token') return;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!body || typeof body.access_token !== 'string') return;
    const entities = ctx.oidc.entities as { Grant?: Grant; AuthorizationCode?: { scope?: string }; RefreshToken?: { scope?: string } };
    if (!entities.Grant) return; // client_credentials: no user grant
    const source = entities.AuthorizationCode ?? entities.RefreshToken;
    // A refresh that names scopes narrows the answer to them (asking for more was refused before this point).
    const requested = new Set(ctx.oidc.params?.scope ? words(ctx.oidc.params.scope) : words(source?.scope));
    const identity = words(entities.Grant.getOIDCScopeFiltered(requested));
    body.scope = [...new Set([...identity, ...words(body.scope)])].join(' ');
  };
}
