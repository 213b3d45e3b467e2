// Configures oidc-provider as the SMART App Launch 2.2 authorization server (issuer <public url>/auth), with every
// default that is unsafe here changed: no development interactions or keys, PKCE (S256) for every client,
// exact redirect URIs, code flow only, client assertions capped at five minutes, jwks_uri bodies limited,
// client_credentials tokens of 300 s, JWT access tokens for the FHIR base only.
// https://hl7.org/fhir/smart-app-launch/ https://github.com/panva/node-oidc-provider/blob/main/docs/README.md
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { DataSource } from 'typeorm';
import { AuthorizationAudit } from '../audit/authorization.audit';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { ServerSecrets } from '../storage/server-secrets';
import { ClientsRepository } from './clients.repository';
import { postgresAdapter } from './oidc.adapter';
import { cookieKeys, loadSigningKeys, PrivateJwks } from './signing-keys';
import { SmartContextStore } from './smart-context.store';
import { grantable, NON_RESOURCE_SCOPES, parseResourceScope } from './smart-scopes';
import { UsersRepository } from './users.repository';
import { errorPage } from './pages/error.page';
import { PAGE_HEADERS } from './pages/html';
import { grantedScopeInTokenResponse } from './granted-scope.middleware';
import { loadExistingGrant, logoutSource, offlineAccessAsksConsent, postLogoutSuccessSource, sessionTtl } from './provider-session.policy';

// oidc-provider is ESM; Node 20.19 loads it through require (see the README's stack notes).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const oidc = require('oidc-provider') as typeof import('oidc-provider');
export type Provider = import('oidc-provider').default;

/** The claims of a live access token, as the FHIR side verifies them. */
export interface LiveTokenClaims {
  jti: string;
  client_id: string;
  sub?: string;
  scope?: string;
  exp?: number;
  iat?: number;
  iss?: string;
  aud?: string | string[];
  patient?: string;
  encounter?: string;
  fhirUser?: string;
}

/** Seconds. */
const CODE_TTL = 60;
const CLIENT_CREDENTIALS_TTL = 300;
const ASSERTION_MAX_LIFETIME = 300;
const INTERACTION_TTL = 600;
const SESSION_TTL = 8 * 3600;
const OFFLINE_REFRESH_TTL = 90 * 24 * 3600;
const JWKS_URI_MAX_BYTES = 64 * 1024;

@Injectable()
export class OidcProviderHost implements OnModuleInit {
  private readonly logger = new Logger('Authorization');
  private instance?: Provider;
  private tokenClaims?: (token: string) => Promise<LiveTokenClaims | undefined>;
  private jwks?: PrivateJwks;

  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: ServerSecrets,
    private readonly clients: ClientsRepository,
    private readonly users: UsersRepository,
    private readonly contexts: SmartContextStore,
    private readonly audit: AuthorizationAudit,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get provider(): Provider {
    if (!this.instance) throw new Error('The authorization server is not initialised');
    return this.instance;
  }

  /** The FHIR side's token check, used for introspecting and revoking JWT access tokens. */
  useTokenVerifier(claims: (token: string) => Promise<LiveTokenClaims | undefined>): void {
    this.tokenClaims = claims;
  }

  get issuer(): string {
    return `${this.config.publicUrl}/auth`;
  }

  /** The public signing keys, for verifying access tokens on the FHIR side. */
  get publicJwks(): { keys: Record<string, unknown>[] } {
    return {
      keys: (this.jwks?.keys ?? []).map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }) => pub),
    };
  }

  async onModuleInit(): Promise<void> {
    this.jwks = await loadSigningKeys(this.dataSource, this.config.smartJwksFile);
    this.instance = new oidc.default(this.issuer, await this.configuration());
    // Behind a TLS-terminating proxy the public URL is https: trust X-Forwarded-Proto for cookies' Secure flag.
    this.instance.proxy = this.config.publicUrl.startsWith('https://');
    // First, so that it sees each answer as it is finally sent (the middleware below may rewrite it).
    this.instance.use(this.audit.providerMiddleware());
    this.instance.on('grant.revoked', (ctx: KoaContextWithOIDC) => this.audit.grantRevoked(ctx));
    this.instance.use(this.tokenResponseContext());
    this.instance.use(offlineAccessAsksConsent());
    this.instance.use(grantedScopeInTokenResponse());
    this.instance.use(this.structuredAccessTokens());
    this.instance.on('server_error', (_ctx: unknown, err: Error) => this.logger.error(`Authorization server error: ${err.message}`));
  }

  /**
   * Introspection and revocation of JWT access tokens, which the provider does not store: after the provider has
   * authenticated the calling client, a live token issued to that client (any token, for a confidential
   * client introspecting) is described, or recorded as revoked for every instance.
   * https://www.rfc-editor.org/rfc/rfc7662 https://www.rfc-editor.org/rfc/rfc7009
   */
  private structuredAccessTokens() {
    return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
      await next();
      const route = ctx.oidc?.route;
      if (route !== 'introspection' && route !== 'revocation') return;
      // The provider authenticates the client first, then declines structured tokens as unsupported_token_type.
      const declined = (ctx.body as { error?: string } | undefined)?.error === 'unsupported_token_type';
      const token = ctx.oidc.params?.token;
      const client = ctx.oidc.client;
      if (!declined || typeof token !== 'string' || !client) return;
      ctx.status = 200;
      const claims = await this.tokenClaims?.(token);
      const own = claims?.client_id === client.clientId;
      if (route === 'revocation') {
        ctx.body = '';
        if (claims && own) {
          await this.dataSource.query(
            'INSERT INTO revoked_token (jti, expires_at) VALUES ($1, to_timestamp($2)) ON CONFLICT (jti) DO NOTHING', [claims.jti, claims.exp]);
        }
        return;
      }
      if (!claims || (!own && client.clientAuthMethod === 'none')) {
        ctx.body = { active: false };
        return;
      }
      ctx.body = {
        active: true, token_type: 'Bearer', scope: claims.scope, client_id: claims.client_id, sub: claims.sub, exp: claims.exp, iat: claims.iat,
        iss: claims.iss, aud: claims.aud, patient: claims.patient, encounter: claims.encounter, fhirUser: claims.fhirUser,
      };
    };
  }

  /** SMART context parameters added to every token response that comes from a user's grant. */
  private tokenResponseContext() {
    return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
      await next();
      if (ctx.oidc?.route !== 'token') return;
      ctx.set('Pragma', 'no-cache');
      ctx.set('Cache-Control', 'no-store');
      const body = ctx.body as Record<string, unknown> | undefined;
      if (!body || typeof body.access_token !== 'string') return;
      const entities = ctx.oidc.entities as Record<string, { grantId?: string } | undefined>;
      const grantId = entities.AuthorizationCode?.grantId ?? entities.RefreshToken?.grantId;
      if (!grantId) return;
      const context = await this.contexts.grantContext(grantId);
      if (!context) return;
      if (context.patient) body.patient = context.patient;
      if (context.encounter) body.encounter = context.encounter;
      if (context.needPatientBanner !== undefined) body.need_patient_banner = context.needPatientBanner;
      if (context.smartStyleUrl) body.smart_style_url = context.smartStyleUrl;
    };
  }

  private async configuration(): Promise<Configuration> {
    const fhirBase = this.config.fhirBaseUrl;
    const { errors } = oidc;
    const users = this.users;
    const contexts = this.contexts;
    const clients = this.clients;
    const accessTokenTtl = this.config.smartAccessTokenTtl;
    const tokenEndpoint = `${this.issuer}/token`;

    /** The SMART resource scopes in play for this request, as far as the client's registration allows. */
    const resourceScopes = async (ctx: KoaContextWithOIDC, clientId: string | undefined): Promise<string> => {
      const requested = new Set<string>();
      const add = (s: unknown) => typeof s === 'string' && s.split(' ').forEach((x) => x && requested.add(x));
      add(ctx.oidc.params?.scope);
      const entities = ctx.oidc.entities as Record<string, { scope?: string } | undefined>;
      add(entities.AuthorizationCode?.scope);
      add(entities.RefreshToken?.scope);
      const registered = clientId ? (await clients.byId(clientId))?.scope.split(' ') ?? [] : [];
      const resource = [...requested].filter((s) => parseResourceScope(s) !== undefined);
      const isBackend = ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials';
      if (isBackend) return grantable(resource, registered, undefined).join(' ');
      return resource.filter((s) => parseResourceScope(s)!.context !== 'system' &&
        grantable([s], registered, 'practitioner').length + grantable([s], registered, 'patient').length > 0).join(' ');
    };

    return {
      adapter: postgresAdapter({ dataSource: this.dataSource, clients: this.clients }),
      jwks: this.jwks as unknown as Configuration['jwks'],
      cookies: {
        keys: await cookieKeys(this.secrets),
        long: { signed: true, httpOnly: true, sameSite: 'lax' },
        short: { signed: true, httpOnly: true, sameSite: 'lax' },
      },
      scopes: [...NON_RESOURCE_SCOPES],
      claims: { openid: ['sub'], fhirUser: ['fhirUser'], profile: ['name', 'preferred_username'] },
      async findAccount(_ctx, sub) {
        const user = await users.byId(sub);
        if (!user || user.disabled) return undefined;
        return {
          accountId: user.id,
          async claims() {
            return {
              sub: user.id,
              fhirUser: user.fhirUser ? `${fhirBase}/${user.fhirUser}` : undefined,
              name: user.username,
              preferred_username: user.username,
            };
          },
        };
      },
      features: {
        devInteractions: { enabled: false },
        introspection: { enabled: true },
        revocation: { enabled: true },
        clientCredentials: { enabled: true },
        userinfo: { enabled: true },
        rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => fhirBase,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (ctx, resource, client) => {
            if (resource !== fhirBase) throw new errors.InvalidTarget('the only resource is the FHIR base URL');
            const isBackend = ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials';
            return {
              scope: await resourceScopes(ctx, client.clientId),
              audience: fhirBase,
              accessTokenTTL: isBackend ? CLIENT_CREDENTIALS_TTL : accessTokenTtl,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
      routes: { authorization: '/authorize' },
      pkce: { required: () => true },
      responseTypes: ['code'],
      allowOmittingSingleRegisteredRedirectUri: false,
      clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'RS384', 'ES256', 'ES384'] },
      fetchResponseBodyLimits: { jwks_uri: JWKS_URI_MAX_BYTES },
      extraClientMetadata: { properties: ['launch_uri'] },
      extraParams: {
        // SMART: the FHIR base the app means to use; a mismatch gets no code.
        aud(_ctx, value) {
          if (value !== fhirBase) throw new errors.InvalidRequest(`aud must be the FHIR base URL ${fhirBase}`);
        },
        launch: null,
      },
      async assertJwtClientAuthClaimsAndHeader(_ctx, claims) {
        const now = Math.floor(Date.now() / 1000);
        if (typeof claims.exp !== 'number' || claims.exp - now > ASSERTION_MAX_LIFETIME) {
          throw new errors.InvalidClientAuth(`the client assertion must expire within ${ASSERTION_MAX_LIFETIME} seconds`);
        }
        if (typeof claims.jti !== 'string') throw new errors.InvalidClientAuth('the client assertion must carry a jti');
        // SMART Backend Services: the audience is the token endpoint itself.
        const aud = Array.isArray(claims.aud) && claims.aud.length === 1 ? claims.aud[0] : claims.aud;
        if (aud !== tokenEndpoint) throw new errors.InvalidClientAuth(`the client assertion's aud must be ${tokenEndpoint}`);
      },
      interactions: { url: async (_ctx, interaction) => `/smart/interaction/${interaction.uid}` },
      async issueRefreshToken(_ctx, client, code) {
        return client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || code.scopes.has('online_access'));
      },
      async expiresWithSession(_ctx, code) {
        return !code.scopes.has('offline_access');
      },
      rotateRefreshToken: true,
      async extraTokenClaims(_ctx, token) {
        // gid lets the FHIR side refuse the token once its grant is gone (revoked, or its code replayed).
        const grantId = (token as { grantId?: string }).grantId;
        if (!grantId) return undefined;
        const context = await contexts.grantContext(grantId);
        return { gid: grantId, patient: context?.patient, encounter: context?.encounter, fhirUser: context?.fhirUser };
      },
      ttl: {
        AccessToken: (_ctx, token) => (token as { resourceServer?: { accessTokenTTL?: number } }).resourceServer?.accessTokenTTL ?? accessTokenTtl,
        AuthorizationCode: CODE_TTL,
        ClientCredentials: CLIENT_CREDENTIALS_TTL,
        IdToken: 3600,
        Interaction: INTERACTION_TTL,
        // Idle and absolute limits (provider-session.policy); SESSION_TTL stays the online_access refresh token lifetime.
        Session: sessionTtl,
        Grant: OFFLINE_REFRESH_TTL,
        RefreshToken: (_ctx, token) => ((token as { scopes: Set<string> }).scopes.has('offline_access') ? OFFLINE_REFRESH_TTL : SESSION_TTL),
      },
      // A launch or launch-context request always gets a fresh consent (provider-session.policy).
      loadExistingGrant,
      async renderError(ctx, out) {
        for (const [name, value] of Object.entries(PAGE_HEADERS)) ctx.set(name, value);
        ctx.type = 'html';
        ctx.body = errorPage(out.error, out.error_description);
      },
    } as Configuration;
  }
}
