// Access tokens for the matrix, signed with the authorization server's own RS256 key from `signing_key`, with
// the claims its tokens carry, so the FHIR side's real verifier judges them; and the ways a token goes wrong.
// https://hl7.org/fhir/smart-app-launch/app-launch.html#step-6-app-accesses-clinical-data-via-fhir-api
import { generateKeyPair, importJWK, JWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { OidcProviderHost } from '../../../src/smart/oidc-provider.factory';
import { TestApp } from '../../support/test-app';
import { Refusal } from './token-kinds';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface TokenClaims {
  sub: string;
  client_id: string;
  scope: string;
  patient?: string;
  fhirUser?: string;
  /** The grant a user's token comes from (oidc-provider's Grant id); backend tokens have none. */
  gid?: string;
}

export class TokenMinter {
  private constructor(
    private readonly t: TestApp,
    private readonly key: SigningKey,
    private readonly kid: string,
    private readonly stranger: SigningKey,
  ) {}

  static async create(t: TestApp): Promise<TokenMinter> {
    const [row] = (await t.app.get(DataSource).query("SELECT private_jwk FROM signing_key WHERE alg = 'RS256'")) as { private_jwk: JWK & { kid: string } }[];
    const key = (await importJWK(row.private_jwk, 'RS256')) as SigningKey;
    const stranger = (await generateKeyPair('RS256', { extractable: true })).privateKey;
    return new TokenMinter(t, key, row.private_jwk.kid, stranger);
  }

  /** A grant of the authorization server for a user and app, as a consent makes it: user tokens name one. */
  async grant(accountId: string, clientId: string, scope: string): Promise<string> {
    const grant = new (this.t.app.get(OidcProviderHost).provider.Grant)({ accountId, clientId });
    grant.addOIDCScope('openid fhirUser');
    grant.addResourceScope(this.t.fhirBase, scope);
    return grant.save();
  }

  /** A token as the authorization server issues it; `change` makes one part of it wrong. */
  async mint(claims: TokenClaims, change: { aud?: string; exp?: number; key?: 'stranger'; kid?: string; jti?: string } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = { client_id: claims.client_id, scope: claims.scope, jti: change.jti ?? randomUUID() };
    if (claims.patient) payload.patient = claims.patient;
    if (claims.fhirUser) payload.fhirUser = claims.fhirUser;
    if (claims.gid) payload.gid = claims.gid;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: change.kid ?? this.kid, typ: 'at+jwt' })
      .setIssuer(`${this.t.origin}/auth`).setSubject(claims.sub).setAudience(change.aud ?? this.t.fhirBase)
      .setIssuedAt(change.exp !== undefined ? change.exp - 3600 : now).setExpirationTime(change.exp ?? now + 3600)
      .sign(change.key === 'stranger' ? this.stranger : this.key);
  }

  /** A bearer value that must be refused with 401; undefined for "no Authorization header at all". */
  async refused(refusal: Refusal, claims: TokenClaims): Promise<string | undefined> {
    const now = Math.floor(Date.now() / 1000);
    switch (refusal) {
      case 'none': return undefined;
      case 'garbage': return 'not-a-token.at-all';
      case 'expired': return this.mint(claims, { exp: now - 120 });
      case 'wrongAudience': return this.mint(claims, { aud: 'https://other.example/fhir' });
      case 'unknownKey': return this.mint(claims, { key: 'stranger' }); // the server's kid, another key
      case 'unknownKid': return this.mint(claims, { key: 'stranger', kid: randomUUID() });
      case 'revoked': {
        const jti = randomUUID();
        const token = await this.mint(claims, { jti });
        await this.t.app.get(DataSource).query('INSERT INTO revoked_token (jti, expires_at) VALUES ($1, to_timestamp($2))', [jti, now + 3600]);
        return token;
      }
    }
  }
}
