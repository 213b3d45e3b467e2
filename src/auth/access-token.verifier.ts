// Verifies an access token this server's authorization server issued: a JWT (typ at+jwt) signed with one of
// its keys, for this issuer, with the FHIR base URL as audience, unexpired; then, in PostgreSQL, that it was
// not revoked, that its grant still exists (a revoked refresh token or a replayed code removes the grant), and
// that neither its client nor its user has been disabled, so a revocation counts on every instance at once.
// id_tokens (typ JWT, audience the client) and refresh tokens (opaque) never pass.
// https://hl7.org/fhir/smart-app-launch/app-launch.html#step-6-app-accesses-clinical-data-via-fhir-api
import { Inject, Injectable } from '@nestjs/common';
import { createLocalJWKSet, JWTPayload, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { OidcProviderHost } from '../smart/oidc-provider.factory';
import { FhirPrincipal } from './fhir-principal';

export interface AccessTokenClaims extends JWTPayload {
  jti: string;
  client_id: string;
  scope?: string;
  gid?: string;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
}

const LIVENESS = `
  SELECT
    EXISTS (SELECT 1 FROM revoked_token WHERE jti = $1) AS revoked,
    (SELECT disabled FROM oauth_client WHERE client_id = $2) AS client_disabled,
    (SELECT disabled FROM app_user WHERE id = $3) AS user_disabled,
    (SELECT role FROM app_user WHERE id = $3) AS user_role,
    (SELECT fhir_user FROM app_user WHERE id = $3) AS user_fhir_user,
    ($4::text IS NULL OR EXISTS (SELECT 1 FROM oidc_model WHERE model = 'Grant' AND id = $4 AND (expires_at IS NULL OR expires_at > now()))) AS grant_live`;

@Injectable()
export class AccessTokenVerifier {
  private keys?: ReturnType<typeof createLocalJWKSet>;

  constructor(
    private readonly host: OidcProviderHost,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    host.useTokenVerifier((token) => this.claims(token));
  }

  /** The verified claims of a token, or undefined for anything that is not a live access token of ours. */
  async claims(token: string): Promise<AccessTokenClaims | undefined> {
    return (await this.verified(token))?.claims;
  }

  /** The claims of a live access token of ours, with its user's role and FHIR identity as they stand now. */
  private async verified(token: string): Promise<{ claims: AccessTokenClaims; user?: { role: string; fhirUser: string | null } } | undefined> {
    this.keys ??= createLocalJWKSet(this.host.publicJwks as Parameters<typeof createLocalJWKSet>[0]);
    let payload: AccessTokenClaims;
    try {
      ({ payload } = (await jwtVerify(token, this.keys, {
        issuer: this.host.issuer,
        audience: this.config.fhirBaseUrl,
        typ: 'at+jwt',
        algorithms: ['RS256', 'ES256'],
        requiredClaims: ['exp', 'iat', 'jti', 'client_id', 'sub'],
      })) as { payload: AccessTokenClaims });
    } catch {
      return undefined;
    }
    // A backend service's token names its client as subject; any other subject is a user, whose tokens this
    // server issues only from a grant.
    if (payload.sub !== payload.client_id && !payload.gid) return undefined;
    const user = payload.gid ? payload.sub : null;
    const [row] = (await this.dataSource.query(LIVENESS, [payload.jti, payload.client_id, user, payload.gid ?? null])) as {
      revoked: boolean; client_disabled: boolean | null; user_disabled: boolean | null; grant_live: boolean;
      user_role: string | null; user_fhir_user: string | null;
    }[];
    if (row.revoked || row.client_disabled !== false || !row.grant_live) return undefined;
    if (user === null) return { claims: payload };
    if (row.user_disabled !== false || row.user_role === null) return undefined;
    return { claims: payload, user: { role: row.user_role, fhirUser: row.user_fhir_user } };
  }

  async principal(token: string): Promise<FhirPrincipal | null> {
    const verified = await this.verified(token);
    if (!verified) return null;
    const c = verified.claims;
    const principal: FhirPrincipal = { subject: c.sub!, clientId: c.client_id, scopes: (c.scope ?? '').split(' ').filter((s) => s !== ''), tokenId: c.jti };
    // Who the user is in the record comes from the user's row as it stands now, not from the token.
    if (verified.user) {
      principal.role = verified.user.role as FhirPrincipal['role'];
      if (verified.user.fhirUser) principal.fhirUser = verified.user.fhirUser;
    }
    if (c.patient) principal.patient = c.patient;
    if (c.encounter) principal.encounter = c.encounter;
    return principal;
  }
}
