// The authorization server's interaction pages: oidc-provider sends the browser here (interactions.url) when an
// authorization needs the user to sign in or to consent, and gets the result back through interactionResult.
// Public routes (no bearer token): they authenticate by password and are protected by CSRF tokens and Origin.
// https://hl7.org/fhir/smart-app-launch/app-launch.html#obtain-authorization-code
// https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#user-flows
import { Controller, Get, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction } from 'oidc-provider';
import { AuthorizationAudit } from '../audit/authorization.audit';
import { Public } from '../auth/public.decorator';
import { ClientsRepository } from './clients.repository';
import { ConsentPlan, ConsentRefusal, ConsentService } from './consent.service';
import { CSRF_FIELD, CsrfTokens, FORM_REFUSED } from './csrf';
import { OidcProviderHost } from './oidc-provider.factory';
import { consentPage } from './pages/consent.page';
import { loginPage } from './pages/login.page';
import { noticePage } from './pages/notice.page';
import { originOf, sendPage, sendSeeOther } from './pages/page-reply';
import { PageForm } from './page-form';
import { lockedMessage, PasswordSignIn, SIGN_IN_FAILED } from './password-sign-in';
import { PatientLookup } from './patient-lookup';
import { describeScope } from './smart-scopes';
import { EXPIRED_MESSAGE, SmartPagesFilter } from './smart-pages.filter';

/** The app an interaction is for, as its authorization request named it. */
function clientIdOf(details: Interaction): string | undefined {
  return typeof details.params.client_id === 'string' ? details.params.client_id : undefined;
}

type UidRequest = FastifyRequest<{ Params: { uid: string }; Querystring: { name?: string | string[] } }>;

@Controller('smart/interaction')
@UseFilters(SmartPagesFilter)
export class InteractionController {
  constructor(
    private readonly host: OidcProviderHost,
    private readonly csrf: CsrfTokens,
    private readonly signIn: PasswordSignIn,
    private readonly consent: ConsentService,
    private readonly clients: ClientsRepository,
    private readonly patients: PatientLookup,
    private readonly audit: AuthorizationAudit,
  ) {}

  @Public()
  @Get(':uid')
  async show(@Param('uid') uid: string, @Req() req: UidRequest, @Res() reply: FastifyReply): Promise<void> {
    const details = await this.details(req, reply, uid);
    if (!details) return;
    if (details.prompt.name === 'login') return this.showLogin(reply, details, 200);
    if (details.prompt.name !== 'consent') return this.unsupported(reply);
    const plan = await this.consent.plan(details);
    if (plan instanceof ConsentRefusal) return this.refuse(req, reply, plan);
    const name = typeof req.query.name === 'string' ? req.query.name : '';
    return this.showConsent(reply, details, plan, 200, { name });
  }

  @Public()
  @Post(':uid/login')
  async login(@Param('uid') uid: string, @Req() req: UidRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = PageForm.of(req.body);
    if (!(await this.formAllowed(req, uid, form))) return this.refuseForm(reply);
    const details = await this.details(req, reply, uid);
    if (!details) return;
    if (details.prompt.name !== 'login') return sendSeeOther(reply, `/smart/interaction/${details.uid}`);
    const username = form.field('username');
    const result = await this.signIn.signIn(username, form.field('password'), req.ip, clientIdOf(details));
    if (result.outcome === 'locked') {
      return this.showLogin(reply, details, 429, lockedMessage(result.retryAfterSeconds), username, { 'retry-after': String(result.retryAfterSeconds) });
    }
    if (result.outcome === 'failed') return this.showLogin(reply, details, 200, SIGN_IN_FAILED, username);
    // interactionResult + our own 303 is interactionFinished, answered through Fastify so the page headers apply.
    const returnTo = await this.host.provider.interactionResult(req.raw, reply.raw, { login: { accountId: result.user.id } },
      { mergeWithLastSubmission: false });
    sendSeeOther(reply, returnTo);
  }

  @Public()
  @Post(':uid/consent')
  async decide(@Param('uid') uid: string, @Req() req: UidRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = PageForm.of(req.body);
    if (!(await this.formAllowed(req, uid, form))) return this.refuseForm(reply);
    const details = await this.details(req, reply, uid);
    if (!details) return;
    if (details.prompt.name !== 'consent') return sendSeeOther(reply, `/smart/interaction/${details.uid}`);
    const plan = await this.consent.plan(details);
    if (plan instanceof ConsentRefusal) return this.refuse(req, reply, plan);
    const ticked = form.all('scope');
    const decision = await this.consent.decide(plan, ticked, form.field('patient') || undefined);
    if (decision instanceof ConsentRefusal) return this.refuse(req, reply, decision);
    if (decision.kind === 'retry') return this.showConsent(reply, details, plan, 400, { name: '', ticked, message: decision.message });
    this.audit.consent('granted', plan.user.id, plan.client.clientId, req.ip, { scopes: decision.scopes, patient: decision.patient });
    const returnTo = await this.host.provider.interactionResult(req.raw, reply.raw, { consent: { grantId: decision.grantId } },
      { mergeWithLastSubmission: true });
    sendSeeOther(reply, returnTo);
  }

  @Public()
  @Post(':uid/abort')
  async abort(@Param('uid') uid: string, @Req() req: UidRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = PageForm.of(req.body);
    if (!(await this.formAllowed(req, uid, form))) return this.refuseForm(reply);
    const details = await this.details(req, reply, uid);
    if (!details) return;
    this.audit.consent(details.prompt.name === 'consent' ? 'denied' : 'cancelled', details.session?.accountId, clientIdOf(details), req.ip,
      { reason: 'The user did not allow access' });
    const returnTo = await this.host.provider.interactionResult(req.raw, reply.raw,
      { error: 'access_denied', error_description: 'The user did not allow access' }, { mergeWithLastSubmission: false });
    sendSeeOther(reply, returnTo);
  }

  /** The interaction of this browser (by its interaction cookie), which must be the one in the address. */
  private async details(req: UidRequest, reply: FastifyReply, uid: string): Promise<Interaction | undefined> {
    const details = await this.host.provider.interactionDetails(req.raw, reply.raw);
    if (details.uid === uid) return details;
    sendPage(reply, 400, noticePage({ title: 'Sign-in expired', message: EXPIRED_MESSAGE }));
    return undefined;
  }

  private async formAllowed(req: UidRequest, uid: string, form: PageForm): Promise<boolean> {
    return this.csrf.originAllowed(req.headers.origin) && this.csrf.verify('interaction', uid, form.field(CSRF_FIELD));
  }

  private refuseForm(reply: FastifyReply): void {
    sendPage(reply, 403, noticePage({ title: 'Form not accepted', message: FORM_REFUSED }));
  }

  private unsupported(reply: FastifyReply): void {
    sendPage(reply, 400, noticePage({ title: 'Sign-in cannot continue', message: 'This server cannot complete what the app asked for.' }));
  }

  /** The app must still hear of it: the result is recorded and the page links back through the provider. */
  private async refuse(req: UidRequest, reply: FastifyReply, refusal: ConsentRefusal): Promise<void> {
    const details = await this.host.provider.interactionDetails(req.raw, reply.raw);
    this.audit.consent('denied', details.session?.accountId, clientIdOf(details), req.ip, { reason: refusal.message });
    const returnTo = await this.host.provider.interactionResult(req.raw, reply.raw,
      { error: refusal.error, error_description: refusal.message }, { mergeWithLastSubmission: false });
    sendPage(reply, 403, noticePage({ title: 'Access cannot be given', message: refusal.message, continueHref: returnTo }));
  }

  private formTargets(details: Interaction): (string | undefined)[] {
    return [originOf(details.params.redirect_uri)];
  }

  private async showLogin(reply: FastifyReply, details: Interaction, status: number, message?: string, username?: string,
    headers: Record<string, string> = {}): Promise<void> {
    const clientId = details.params.client_id;
    const client = typeof clientId === 'string' ? await this.clients.byId(clientId) : undefined;
    const base = `/smart/interaction/${details.uid}`;
    sendPage(reply, status, loginPage({
      action: `${base}/login`, abortAction: `${base}/abort`, csrf: await this.csrf.token('interaction', details.uid),
      appName: client?.name, username, message,
    }), { formTargets: this.formTargets(details), headers });
  }

  private async showConsent(reply: FastifyReply, details: Interaction, plan: ConsentPlan, status: number,
    shown: { name: string; ticked?: string[]; message?: string }): Promise<void> {
    const base = `/smart/interaction/${details.uid}`;
    const launch = plan.launch;
    let picker;
    if (launch.kind === 'pick') {
      const found = await this.patients.byName(plan.user, shown.name);
      picker = { searchAction: base, name: shown.name, ...found };
    }
    const line = (scope: string) => ({ scope, description: describeScope(scope) });
    sendPage(reply, status, consentPage({
      action: `${base}/consent`, abortAction: `${base}/abort`, csrf: await this.csrf.token('interaction', details.uid),
      appName: plan.client.name, userName: plan.user.username,
      resourceScopes: plan.offered.map((s) => ({ ...line(s), checked: shown.ticked ? shown.ticked.includes(s) : true })),
      fixedScopes: plan.fixed.map(line),
      refusedScopes: plan.refused.map(line),
      patient: launch.kind === 'ehr' || launch.kind === 'own' ? launch.patient : undefined,
      picker,
      message: shown.message,
    }), { formTargets: this.formTargets(details) });
  }
}
