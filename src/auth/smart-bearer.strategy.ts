// The passport strategy the FHIR API authenticates with: a bearer token from the Authorization header only
// (never the query string, a form body or a cookie), verified by AccessTokenVerifier.
// https://www.rfc-editor.org/rfc/rfc6750#section-2.1
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-strategy';
import { AccessTokenVerifier } from './access-token.verifier';
import { FhirPrincipal, RequestHeaders } from './fhir-principal';

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/** The token of a well-formed `Authorization: Bearer` header, or undefined. */
export function bearerToken(headers: RequestHeaders): string | undefined {
  const raw = headers.authorization;
  if (typeof raw !== 'string' || raw.length > 16 * 1024) return undefined;
  return BEARER.exec(raw.trim())?.[1];
}

type Verify = (token: string, done: (err: unknown, user?: FhirPrincipal | false) => void) => void;

/** A passport strategy reading the Authorization header and nothing else. */
class HeaderBearerStrategy extends Strategy {
  name = 'smart-bearer';

  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(req: { headers: RequestHeaders }): void {
    const token = bearerToken(req.headers);
    if (!token) return this.fail('Bearer realm="fhir"', 401);
    this.verify(token, (err, user) => {
      if (err) return this.error(err as Error);
      if (!user) return this.fail('Bearer realm="fhir", error="invalid_token"', 401);
      return this.success(user);
    });
  }
}

@Injectable()
export class SmartBearerStrategy extends PassportStrategy(HeaderBearerStrategy, 'smart-bearer') {
  constructor(private readonly verifier: AccessTokenVerifier) {
    super();
  }

  async validate(token: string): Promise<FhirPrincipal | false> {
    return (await this.verifier.principal(token)) ?? false;
  }
}
