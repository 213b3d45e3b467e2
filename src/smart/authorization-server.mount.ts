// Mounts the authorization server (oidc-provider) under /auth. Middleware runs before Fastify parses any body,
// so the provider reads its own requests; the provider is created when the application initialises.
// An authorization request sent by POST (SMART authorize-post) is answered with a 303 to the same request by
// GET: the library takes POST only with SameSite=None cookies, and these stay Lax.
// https://hl7.org/fhir/smart-app-launch/app-launch.html#obtain-authorization-code
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OidcProviderHost } from './oidc-provider.factory';

export const AUTHORIZATION_PREFIX = '/auth';
const AUTHORIZE_POST_LIMIT = 64 * 1024;

function redirectPostedAuthorization(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > AUTHORIZE_POST_LIMIT) {
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8' }).end('Authorization request too large');
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.writableEnded) return;
    const query = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).toString();
    res.writeHead(303, { location: `${AUTHORIZATION_PREFIX}/authorize?${query}`, 'cache-control': 'no-store' }).end();
  });
}

export function mountAuthorizationServer(app: NestFastifyApplication): void {
  const host = app.get(OidcProviderHost);
  let handler: ((req: IncomingMessage, res: ServerResponse) => unknown) | undefined;
  app.use(AUTHORIZATION_PREFIX, (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/authorize' && /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
      return redirectPostedAuthorization(req, res);
    }
    handler ??= host.provider.callback();
    return handler(req, res);
  });
}
