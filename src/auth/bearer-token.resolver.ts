// The shipped principal resolver. No token issuer is configured in this release, so no bearer token can be
// verified and every request to a protected route is refused; the authorization server plugs in here.
import { Injectable } from '@nestjs/common';
import { FhirPrincipal, PrincipalResolver } from './fhir-principal';

@Injectable()
export class BearerTokenResolver extends PrincipalResolver {
  async resolve(): Promise<FhirPrincipal | null> {
    return null;
  }
}
