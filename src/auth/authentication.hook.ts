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
 * Paths that authenticate by protocols of their own and so take bodies without a bearer token: the
 * authorization server (client credentials and assertions at its token endpoint) and its sign-in pages
 * (passwords, behind CSRF tokens). Nothing under them reaches FHIR data.
 */
const OWN_AUTHENTICATION = ['/auth/', '/smart/'];

/** Applies to every other path. */
export function authenticateOnArrival(fastify: FastifyInstance, resolver: PrincipalResolver, fhirBaseUrl: string): void {
  fastify.addHook('onRequest', async (request: RequestWithPrincipal) => {
    if (OWN_AUTHENTICATION.some((prefix) => request.url.startsWith(prefix))) return;
    request.principal = await resolver.resolve(request.headers);
    if (request.principal === null && hasBody(request)) throw authenticationRequired(fhirBaseUrl);
  });
}
