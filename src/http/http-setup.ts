// Fastify set-up shared by the server and the tests: body parsers, limits, request ids, response headers.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { auditFhirRequests } from '../audit/fhir-request.audit';
import { AuditTrail } from '../audit/audit-trail.service';
import { DatabaseSession } from '../storage/database-session';
import { authenticateOnArrival } from '../auth/authentication.hook';
import { PrincipalResolver } from '../auth/fhir-principal';
import { AppConfig } from '../config/app.config';
import { FhirError } from '../outcome/operation-outcome';
import { FormBody, JSON_MEDIA_TYPES, parseJsonBody } from './json-body.parser';
import { mountAuthorizationServer } from '../smart/authorization-server.mount';

export function fastifyOptions(config: AppConfig) {
  return {
    bodyLimit: config.bodyLimitBytes,
    // Request ids are ours: a client-supplied id is never trusted into logs.
    genReqId: () => randomUUID(),
    requestIdHeader: false as const,
    trustProxy: false,
    logger: false,
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 200 },
  };
}

export function configureHttp(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  authenticateOnArrival(fastify, app.get(PrincipalResolver), config.fhirBaseUrl);
  auditFhirRequests(fastify, app.get(AuditTrail), app.get(DatabaseSession));
  mountAuthorizationServer(app);
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_MEDIA_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string, config.jsonMaxDepth));
    } catch (err) {
      done(err as FhirError, undefined);
    }
  });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, FormBody.parse(body as string));
    } catch (err) {
      done(err as FhirError, undefined);
    }
  });
}
