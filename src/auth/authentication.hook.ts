// Resolves the caller as soon as a request arrives, before its body is read: a request that carries a body
// but no valid credentials is refused without parsing a byte of it. The global guard decides the rest.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FhirPrincipal, PrincipalResolver } from './fhir-principal';
import { authenticationRequired } from './authentication-required';

export type RequestWithPrincipal = FastifyRequest & { principal?: FhirPrincipal | null };

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/**
 * Applies to every path. A component mounted later that authenticates by its own protocol (an authorization
 * server's token endpoint takes client credentials in the body) needs an explicit exemption here.
 */
export function authenticateOnArrival(fastify: FastifyInstance, resolver: PrincipalResolver, fhirBaseUrl: string): void {
  fastify.addHook('onRequest', async (request: RequestWithPrincipal) => {
    request.principal = await resolver.resolve(request.headers);
    if (request.principal === null && hasBody(request)) throw authenticationRequired(fhirBaseUrl);
  });
}
