// The routes of AuditEvent, which the audit trail answers: GET /fhir/AuditEvent/{id}, GET /fhir/AuditEvent and
// POST /fhir/AuditEvent/_search. The :type parameter matches AuditEvent only (it outranks FhirController's :type),
// so the access guard checks the type's scopes as on every typed route. Writes reach FhirController, whose type
// gate answers 405: AuditEvent allows read and search-type only (ConformanceRegistry).
// https://hl7.org/fhir/R4/auditevent.html
import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessContext } from '../access/access-context';
import { Access } from '../access/access-rule.decorator';
import { AccessScope } from '../access/access-scope';
import { GuardedRequest } from '../access/access.guard';
import { ResourceTypeGate } from '../conformance/resource-type.gate';
import { negotiate } from '../http/content-negotiation';
import { sendResult } from '../http/fhir-reply';
import { searchParameters } from '../http/json-body.parser';
import { Query } from '../interactions/paging';
import { FhirResult } from '../outcome/fhir-result';
import { AuditEventInteraction } from './audit-event.interaction';

type Request = FastifyRequest<{ Params: { type: string; id: string }; Querystring: Query }> & GuardedRequest;

/** The route segment that names AuditEvent and nothing else. */
export const AUDIT_EVENT_TYPE = ':type(^AuditEvent$)';

@Controller('fhir')
export class AuditEventController {
  constructor(private readonly interaction: AuditEventInteraction, private readonly gate: ResourceTypeGate) {}

  private async run(req: Request, reply: FastifyReply, work: (access: AccessContext) => Promise<FhirResult>): Promise<void> {
    const format = negotiate(req.query, req.headers.accept);
    const access = req.access!; // left by the access guard, which let this typed route through
    sendResult(reply, await AccessScope.run(access, () => work(access)), format);
  }

  @Access('search-type')
  @Get(AUDIT_EVENT_TYPE)
  search(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.run(req, reply, (access) => this.interaction.search(access, req.query, req.headers));
  }

  @Access('search-type')
  @Post(`${AUDIT_EVENT_TYPE}/_search`)
  searchPost(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.run(req, reply, (access) => {
      const merged: Query = searchParameters(req.query, req.body);
      return this.interaction.search(access, merged, req.headers);
    });
  }

  @Access('read')
  @Get(`${AUDIT_EVENT_TYPE}/:id`)
  read(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.run(req, reply, async (access) => {
      // GET AuditEvent/_history lands here (the type history is not served): the gate's 405.
      if (req.params.id === '_history') this.gate.require('AuditEvent', 'history-type');
      return this.interaction.read(access, req.params.id);
    });
  }
}
