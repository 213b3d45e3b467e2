// The one FHIR REST controller, keyed on :type: routes map to interactions, nothing else happens here.
// https://hl7.org/fhir/R4/http.html
import { Controller, Delete, Get, Patch, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestWithPrincipal } from '../auth/authentication.hook';
import { Public } from '../auth/public.decorator';
import { CapabilitiesService } from '../conformance/capabilities.service';
import { Access } from '../access/access-rule.decorator';
import { AccessScope } from '../access/access-scope';
import { GuardedRequest } from '../access/access.guard';
import { BundleInteraction } from '../interactions/bundle/bundle.interaction';
import { criteriaFromQuery } from '../interactions/conditional-criteria';
import { ConditionalDeleteInteraction } from '../interactions/conditional-delete.interaction';
import { ConditionalUpdateInteraction } from '../interactions/conditional-update.interaction';
import { CreateInteraction } from '../interactions/create.interaction';
import { DeleteInteraction } from '../interactions/delete.interaction';
import { HistoryInteraction } from '../interactions/history.interaction';
import { Query } from '../interactions/paging';
import { PatchInteraction } from '../interactions/patch.interaction';
import { ReadInteraction } from '../interactions/read.interaction';
import { SearchTypeInteraction } from '../interactions/search-type.interaction';
import { UpdateInteraction } from '../interactions/update.interaction';
import { VreadInteraction } from '../interactions/vread.interaction';
import { FhirResult } from '../outcome/fhir-result';
import { FhirError, issue } from '../outcome/operation-outcome';
import { negotiate } from './content-negotiation';
import { sendResult } from './fhir-reply';
import { searchParameters } from './json-body.parser';

type Params = { type: string; id: string; vid: string };
type Request = FastifyRequest<{ Params: Params; Querystring: Query }>;

@Controller('fhir')
export class FhirController {
  constructor(
    private readonly capabilities: CapabilitiesService,
    private readonly readInteraction: ReadInteraction,
    private readonly vreadInteraction: VreadInteraction,
    private readonly createInteraction: CreateInteraction,
    private readonly updateInteraction: UpdateInteraction,
    private readonly patchInteraction: PatchInteraction,
    private readonly deleteInteraction: DeleteInteraction,
    private readonly historyInteraction: HistoryInteraction,
    private readonly searchInteraction: SearchTypeInteraction,
    private readonly conditionalUpdateInteraction: ConditionalUpdateInteraction,
    private readonly conditionalDeleteInteraction: ConditionalDeleteInteraction,
    private readonly bundleInteraction: BundleInteraction,
  ) {}

  /**
   * Negotiates the format first, so a client that accepts nothing we speak gets 406 before any work; then runs
   * the interaction inside the caller's access context (left by the access guard), which every statement reads.
   */
  private async run(req: Request, reply: FastifyReply, work: () => Promise<FhirResult>): Promise<void> {
    const format = negotiate(req.query, req.headers.accept);
    const access = (req as Request & GuardedRequest).access;
    sendResult(reply, await (access ? AccessScope.run(access, work) : work()), format);
  }

  /** The access guard has already checked the type and the scopes for the route's rule. */
  private typed(req: Request, reply: FastifyReply, work: (type: string) => Promise<FhirResult>) {
    return this.run(req, reply, () => work(req.params.type));
  }

  @Public()
  @Get('metadata')
  metadata(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.run(req, reply, async () => ({ status: 200, body: this.capabilities.statement }));
  }

  /** Without this, POST /metadata would be taken for a create of type "metadata"; other methods 405 by route table. */
  @Public()
  @Post('metadata')
  metadataWrite(): never {
    throw new FhirError(405, [issue('error', 'not-supported', 'method-not-allowed', 'The CapabilityStatement is read-only')], {
      allow: 'GET, HEAD',
    });
  }

  @Access('batch-transaction')
  @Post()
  batchOrTransaction(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.run(req, reply, () => this.bundleInteraction.execute(req.body, req.headers));
  }

  @Access('history-system')
  @Get('_history')
  historySystem(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.run(req, reply, () => this.historyInteraction.execute(req.query));
  }

  @Access('search-type')
  @Get(':type')
  search(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) => this.searchInteraction.execute(type, req.query, req.headers, (req as RequestWithPrincipal).principal));
  }

  @Access('search-type')
  @Post(':type/_search')
  searchPost(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) => {
      const merged: Query = searchParameters(req.query, req.body);
      return this.searchInteraction.execute(type, merged, req.headers, (req as RequestWithPrincipal).principal);
    });
  }

  @Access('create')
  @Post(':type')
  create(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) => this.createInteraction.execute(type, req.body, req.headers));
  }

  @Access('conditional-update')
  @Put(':type')
  conditionalUpdate(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) =>
      this.conditionalUpdateInteraction.execute(type, criteriaFromQuery(req.query, 'A conditional update'), req.body, req.headers));
  }

  @Access('conditional-delete')
  @Delete(':type')
  conditionalDelete(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) =>
      this.conditionalDeleteInteraction.execute(type, criteriaFromQuery(req.query, 'A conditional delete'), req.headers));
  }

  @Access('history-type')
  @Get(':type/_history')
  historyType(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) => this.historyInteraction.execute(req.query, type));
  }

  @Access('read')
  @Get(':type/:id')
  read(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) => this.readInteraction.execute(type, req.params.id, req.headers));
  }

  @Access('update')
  @Put(':type/:id')
  update(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) => this.updateInteraction.execute(type, req.params.id, req.body, req.headers));
  }

  @Access('patch')
  @Patch(':type/:id')
  patch(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) =>
      this.patchInteraction.execute(type, req.params.id, req.headers['content-type'], req.body, req.headers));
  }

  @Access('delete')
  @Delete(':type/:id')
  delete(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) => this.deleteInteraction.execute(type, req.params.id, req.headers));
  }

  @Access('history-instance')
  @Get(':type/:id/_history')
  historyInstance(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) => this.historyInteraction.execute(req.query, type, req.params.id));
  }

  @Access('vread')
  @Get(':type/:id/_history/:vid')
  vread(@Req() req: Request, @Res() reply: FastifyReply) {
    return this.typed(req, reply, (type) =>
      this.vreadInteraction.execute(type, req.params.id, req.params.vid, req.headers));
  }
}
