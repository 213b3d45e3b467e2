// The shipped principal resolver: runs the SMART bearer strategy on a request's headers, as passport runs a
// strategy (a private instance with success, fail and error bound to this one request).
import { Injectable } from '@nestjs/common';
import { FhirPrincipal, PrincipalResolver, RequestHeaders } from './fhir-principal';
import { SmartBearerStrategy } from './smart-bearer.strategy';

interface StrategyRun {
  success(user: FhirPrincipal): void;
  fail(): void;
  error(err: Error): void;
  authenticate(req: { headers: RequestHeaders }): void;
}

@Injectable()
export class BearerTokenResolver extends PrincipalResolver {
  constructor(private readonly strategy: SmartBearerStrategy) {
    super();
  }

  resolve(headers: RequestHeaders): Promise<FhirPrincipal | null> {
    return new Promise((resolve, reject) => {
      const run = Object.create(this.strategy) as StrategyRun;
      run.success = (user) => resolve(user);
      run.fail = () => resolve(null);
      run.error = (err) => reject(err);
      run.authenticate({ headers });
    });
  }
}
