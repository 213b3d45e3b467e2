// Turns every error into an OperationOutcome with the right status; nothing internal reaches the client.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { XML_MEDIA_TYPES } from '../http/json-body.parser';
import { FhirError, issue, IssueType } from './operation-outcome';
import { methodNotAllowed } from '../http/route-table';

// Errors raised before a handler runs (body parsing, routing) carry an HTTP status but no outcome.
const BY_STATUS: Record<number, [IssueType, string, string]> = {
  400: ['invalid', 'bad-request', 'The request is not valid'],
  404: ['not-found', 'not-found', 'Nothing is served at this address'],
  406: ['not-supported', 'format-not-acceptable', 'Only application/fhir+json and application/json can be returned'],
  413: ['too-long', 'body-too-large', 'The request body is larger than this server accepts'],
  415: ['not-supported', 'unsupported-media-type', 'Send application/fhir+json or application/json'],
};

function statusOf(err: unknown): number | undefined {
  if (err instanceof HttpException) return err.getStatus();
  const status = (err as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const fhirError = err instanceof FhirError ? err : this.translate(err, request);
    reply.status(fhirError.status);
    for (const [name, value] of Object.entries(fhirError.headers)) reply.header(name, value);
    reply.header('content-type', 'application/fhir+json; charset=utf-8');
    reply.send(JSON.stringify(fhirError.outcome));
  }

  private translate(err: unknown, request: FastifyRequest): FhirError {
    const status = statusOf(err);
    if (status === 404) {
      const allow = methodNotAllowed(request.method, request.url);
      if (allow) {
        return new FhirError(405, [issue('error', 'not-supported', 'method-not-allowed',
          `${request.method} is not allowed here`)], { allow: allow.join(', ') });
      }
    }
    if (status === 415 && XML_MEDIA_TYPES.includes((request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase())) {
      return FhirError.of(415, 'not-supported', 'xml-not-supported', 'XML is not supported yet; send application/fhir+json');
    }
    if (status !== undefined) {
      const [code, errorCode, text] = BY_STATUS[status] ?? BY_STATUS[400];
      return FhirError.of(BY_STATUS[status] ? status : 400, code, errorCode, text);
    }
    this.logger.error(`Unexpected error in request ${request.id}: ${(err as Error)?.stack ?? String(err)}`);
    return FhirError.of(500, 'exception', 'internal-error', `An unexpected error occurred; request id ${request.id}`);
  }
}
