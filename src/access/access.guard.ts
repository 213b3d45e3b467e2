// The one access decision point, a global guard: who calls (the bearer token, else 401), what the route does
// (its declared rule, else refused), and whether the token's scopes allow that on the addressed type (else
// 403). It leaves the caller's AccessContext on the request; the controller runs the interaction inside it, so
// every statement below adds the context's filters.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { authenticationRequired } from '../auth/authentication-required';
import { FhirPrincipal, PrincipalResolver, RequestHeaders } from '../auth/fhir-principal';
import { PUBLIC_ROUTE } from '../auth/public.decorator';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { Interaction } from '../conformance/conformance.registry';
import { ResourceTypeGate } from '../conformance/resource-type.gate';
import { AccessContext, AccessDenial, forbidden } from './access-context';
import { AccessPolicy } from './access-policy';
import { ACCESS_RULE } from './access-rule.decorator';
import { AccessRule, PERMISSIONS, TYPED_RULES } from './interaction-permissions';

export interface GuardedRequest {
  headers: RequestHeaders;
  params?: Record<string, string>;
  principal?: FhirPrincipal | null;
  access?: AccessContext;
  accessDenial?: AccessDenial;
}

/** The interaction the type gate knows each typed rule by. */
const GATE_INTERACTION: Partial<Record<AccessRule, Interaction>> = {
  'conditional-update': 'update',
  'conditional-delete': 'delete',
};

@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: PrincipalResolver,
    private readonly policy: AccessPolicy,
    private readonly gate: ResourceTypeGate,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) === true) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    // Normally resolved on arrival (authentication.hook); resolved here too so the guard stands on its own.
    const principal = request.principal !== undefined ? request.principal : await this.resolver.resolve(request.headers);
    request.principal = principal;
    try {
      if (!principal) {
        request.accessDenial = { rule: 'authentication-required', detail: 'no valid bearer token' };
        throw authenticationRequired(this.config.fhirBaseUrl);
      }
      const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, targets);
      if (rule === undefined) throw forbidden('no-access-rule', 'This address is not open to API access', 'the route declares no access rule');
      const access = this.policy.contextFor(principal);
      request.access = access;
      this.decide(rule, access, request);
      return true;
    } catch (err) {
      const denial = (err as { denial?: AccessDenial }).denial;
      if (denial) request.accessDenial = denial;
      throw err;
    }
  }

  private decide(rule: AccessRule, access: AccessContext, request: GuardedRequest): void {
    if (rule === 'admin') {
      if (!access.mayAdminister) {
        throw forbidden('admin-role-required', 'This function needs an administrator\'s token with user/*.rs',
          access.isAdmin ? 'the administrator\'s token lacks user/*.rs' : 'the user is not an administrator');
      }
      return;
    }
    if (!TYPED_RULES.has(rule)) return; // system history and Bundles: decided per type and per entry below
    const type = request.params?.type ?? '';
    this.gate.require(type, GATE_INTERACTION[rule] ?? (rule as Interaction));
    const permissions = [...PERMISSIONS[rule as keyof typeof PERMISSIONS]];
    if (rule === 'create' && request.headers['if-none-exist'] !== undefined) permissions.push('s');
    access.require(type, permissions);
  }
}
