// The global guard: a request reaches a handler only with a verified principal, unless the route is @Public.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { authenticationRequired } from './authentication-required';
import { FhirPrincipal, PrincipalResolver, RequestHeaders } from './fhir-principal';
import { PUBLIC_ROUTE } from './public.decorator';

export interface AuthenticatedRequest {
  headers: RequestHeaders;
  principal?: FhirPrincipal | null;
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
    // Normally resolved on arrival (authentication.hook); resolved here too so the guard stands on its own.
    const principal = request.principal !== undefined ? request.principal : await this.resolver.resolve(request.headers);
    if (!principal) throw authenticationRequired(this.config.fhirBaseUrl);
    request.principal = principal;
    return true;
  }
}
