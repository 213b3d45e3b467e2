// Writes an interaction's result in the negotiated format. https://hl7.org/fhir/R4/http.html#mime-type
import type { FastifyReply } from 'fastify';
import { FhirResult } from '../outcome/fhir-result';
import { ResponseFormat } from './content-negotiation';

export function sendResult(reply: FastifyReply, result: FhirResult, format: ResponseFormat): void {
  reply.status(result.status);
  for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
  if (result.raw === undefined && result.body === undefined) {
    reply.send();
    return;
  }
  reply.header('content-type', `${format.contentType}; charset=utf-8`);
  let text: string;
  if (result.raw !== undefined) text = format.pretty ? JSON.stringify(JSON.parse(result.raw), null, 2) : result.raw;
  else text = JSON.stringify(result.body, null, format.pretty ? 2 : undefined);
  reply.send(text);
}
