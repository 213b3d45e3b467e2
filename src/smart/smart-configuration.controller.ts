// SMART discovery: GET [base]/.well-known/smart-configuration, public, describing the authorization server
// and the capabilities this server supports (each one exercised by the test suite).
// https://hl7.org/fhir/smart-app-launch/conformance.html
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { OidcProviderHost } from './oidc-provider.factory';
import { SMART_CAPABILITIES } from './smart-capabilities';
import { NON_RESOURCE_SCOPES } from './smart-scopes';


/** The SMART configuration document for an issuer under `publicUrl`. */
export function smartConfiguration(publicUrl: string, issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/authorize`,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint: `${issuer}/token`,
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    scopes_supported: [
      ...NON_RESOURCE_SCOPES, 'patient/*.read', 'patient/*.rs', 'user/*.read', 'user/*.rs', 'user/*.cruds', 'system/*.read', 'system/*.rs',
    ],
    response_types_supported: ['code'],
    introspection_endpoint: `${issuer}/token/introspection`,
    revocation_endpoint: `${issuer}/token/revocation`,
    userinfo_endpoint: `${issuer}/me`,
    end_session_endpoint: `${issuer}/session/end`,
    code_challenge_methods_supported: ['S256'],
    capabilities: SMART_CAPABILITIES,
    launch_url: `${publicUrl}/smart/launch`,
  };
}

@Controller('fhir/.well-known')
export class SmartConfigurationController {
  constructor(private readonly host: OidcProviderHost, @Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Public()
  @Get('smart-configuration')
  @Header('content-type', 'application/json; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  configuration(): Record<string, unknown> {
    return smartConfiguration(this.config.publicUrl, this.host.issuer);
  }
}
