// Mounts the authorization server (oidc-provider) under /auth. Middleware runs before Fastify parses any body,
// so the provider reads its own requests; the provider is created when the application initialises.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OidcProviderHost } from './oidc-provider.factory';

export const AUTHORIZATION_PREFIX = '/auth';

export function mountAuthorizationServer(app: NestFastifyApplication): void {
  const host = app.get(OidcProviderHost);
  let handler: ((req: IncomingMessage, res: ServerResponse) => unknown) | undefined;
  app.use(AUTHORIZATION_PREFIX, (req: IncomingMessage, res: ServerResponse) => {
    handler ??= host.provider.callback();
    return handler(req, res);
  });
}
