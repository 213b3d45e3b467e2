// The global guard: a request reaches a handler only with a verified principal, unless the route is @Public.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { FhirError, issue } from '../outcome/operation-outcome';
import { FhirPrincipal, PrincipalResolver, RequestHeaders } from './fhir-principal';
import { PUBLIC_ROUTE } from './public.decorator';

export interface AuthenticatedRequest {
  headers: RequestHeaders;
  principal?: FhirPrincipal;
}

@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: PrincipalResolver,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    if (isPublic === true) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.resolver.resolve(request.headers);
    if (!principal) {
      throw new FhirError(
        401,
        [issue('error', 'login', 'authentication-required', 'Authentication is required: send a valid bearer token')],
        { 'www-authenticate': `Bearer realm="${this.config.fhirBaseUrl}"` },
      );
    }
    request.principal = principal;
    return true;
  }
}
