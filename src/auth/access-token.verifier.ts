// Verifies an access token this server's authorization server issued: a JWT (typ at+jwt) signed with one of
// its keys, for this issuer, with the FHIR base URL as audience, unexpired; then, in PostgreSQL, that it was
// not revoked, that its grant still exists (a revoked refresh token or a replayed code removes the grant), and
// that neither its client nor its user has been disabled, so a revocation counts on every instance at once.
// id_tokens (typ JWT, audience the client) and refresh tokens (opaque) never pass.
// https://hl7.org/fhir/smart-app-launch/app-launch.html#step-6-app-accesses-clinical-data-via-fhir-api
import { Inject, Injectable } from '@nestjs/common';
import { JWTPayload } from 'jose';
import { DatabaseSession } from '../storage/database-session';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { OidcProviderHost } from '../smart/oidc-provider.factory';
import { FhirPrincipal } from './fhir-principal';
import { LocalJwsKeys, sameMediaType } from './local-jws';

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
  private keys?: LocalJwsKeys;

  constructor(
    private readonly host: OidcProviderHost,
    private readonly db: DatabaseSession,
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
    this.keys ??= new LocalJwsKeys(this.host.publicJwks);
    const verified = this.keys.verify(token);
    if (!verified || !sameMediaType(verified.header.typ, 'at+jwt')) return undefined;
    const payload = verified.payload as AccessTokenClaims;
    if (!this.validClaims(payload)) return undefined;
    // A backend service's token names its client as subject; any other subject is a user, whose tokens this
    // server issues only from a grant.
    if (payload.sub !== payload.client_id && !payload.gid) return undefined;
    const user = payload.gid ? payload.sub : null;
    const [row] = (await this.db.named(LIVENESS, [payload.jti, payload.client_id, user, payload.gid ?? null])) as {
      revoked: boolean; client_disabled: boolean | null; user_disabled: boolean | null; grant_live: boolean;
      user_role: string | null; user_fhir_user: string | null;
    }[];
    if (row.revoked || row.client_disabled !== false || !row.grant_live) return undefined;
    if (user === null) return { claims: payload };
    if (row.user_disabled !== false || row.user_role === null) return undefined;
    return { claims: payload, user: { role: row.user_role, fhirUser: row.user_fhir_user } };
  }

  /**
   * The claims an access token of ours must carry, checked as RFC 7519 says: this issuer, the FHIR base URL among
   * the audiences, not expired (`exp` after now), already valid (`nbf`, if any, not after now), issued at a
   * number, and the identifiers every later step relies on.
   */
  private validClaims(c: AccessTokenClaims): boolean {
    const now = Math.floor(Date.now() / 1000);
    const audience = Array.isArray(c.aud) ? c.aud : [c.aud];
    if (c.iss !== this.host.issuer || !audience.includes(this.config.fhirBaseUrl)) return false;
    if (typeof c.exp !== 'number' || c.exp <= now || typeof c.iat !== 'number') return false;
    if (c.nbf !== undefined && (typeof c.nbf !== 'number' || c.nbf > now)) return false;
    for (const name of ['jti', 'client_id', 'sub'] as const) if (typeof c[name] !== 'string' || c[name] === '') return false;
    for (const name of ['scope', 'gid', 'patient', 'encounter', 'fhirUser'] as const) if (c[name] !== undefined && typeof c[name] !== 'string') return false;
    return true;
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
