// The EHR launcher: a practitioner signs in (its own session cookie), finds a patient, picks a registered app with
// a launch URL, and is sent there with `iss` (the FHIR base) and a single-use `launch` value bound to that app,
// patient and user. Public routes: password sign-in, CSRF tokens bound to the launcher session, Origin checked.
// https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-ehr-launch
import { Controller, Get, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/public.decorator';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { ClientsRepository, RegisteredClient } from './clients.repository';
import { CSRF_FIELD, CsrfTokens, FORM_REFUSED } from './csrf';
import { LauncherSession, LauncherSessions } from './launcher-session';
import { launcherPage } from './pages/launcher.page';
import { loginPage } from './pages/login.page';
import { noticePage } from './pages/notice.page';
import { originOf, sendPage, sendSeeOther } from './pages/page-reply';
import { PageForm } from './page-form';
import { lockedMessage, PasswordSignIn, SIGN_IN_FAILED } from './password-sign-in';
import { PatientLookup } from './patient-lookup';
import { SmartContextStore } from './smart-context.store';
import { SmartPagesFilter } from './smart-pages.filter';
import { AppUser, UsersRepository } from './users.repository';

type LauncherRequest = FastifyRequest<{ Querystring: { name?: string | string[] } }>;

const LAUNCHER_ROLES = new Set(['practitioner', 'admin']);
const LAUNCHABLE_KINDS = new Set(['public', 'confidential', 'asymmetric']);

function launchable(client: RegisteredClient | undefined): client is RegisteredClient & { launchUri: string } {
  return client !== undefined && !client.disabled && LAUNCHABLE_KINDS.has(client.kind) && originOf(client.launchUri) !== undefined;
}

@Controller('smart/launch')
@UseFilters(SmartPagesFilter)
export class LauncherController {
  constructor(
    private readonly sessions: LauncherSessions,
    private readonly csrf: CsrfTokens,
    private readonly signIn: PasswordSignIn,
    private readonly users: UsersRepository,
    private readonly clients: ClientsRepository,
    private readonly patients: PatientLookup,
    private readonly contexts: SmartContextStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  async show(@Req() req: LauncherRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.sessions.read(req.headers.cookie);
    const user = await this.practitioner(session);
    if (!session || !user) return this.showLogin(reply, session?.userId ? this.sessions.anonymous() : session ?? this.sessions.anonymous(), 200);
    const name = typeof req.query.name === 'string' ? req.query.name : '';
    return this.showLauncher(reply, session, user, name, 200);
  }

  @Public()
  @Post('login')
  async login(@Req() req: LauncherRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = PageForm.of(req.body);
    const session = await this.sessions.read(req.headers.cookie);
    if (!session || !(await this.formAllowed(req, session, form))) return this.refuseForm(reply);
    const username = form.field('username');
    const result = await this.signIn.signIn(username, form.field('password'), req.ip);
    if (result.outcome === 'locked') {
      return this.showLogin(reply, session, 429, lockedMessage(result.retryAfterSeconds), username, { 'retry-after': String(result.retryAfterSeconds) });
    }
    if (result.outcome === 'failed') return this.showLogin(reply, session, 200, SIGN_IN_FAILED, username);
    if (!LAUNCHER_ROLES.has(result.user.role)) {
      return sendPage(reply, 403, noticePage({ title: 'Launcher not available', message: 'Only practitioners can launch apps from the record.' }),
        { headers: { 'set-cookie': this.sessions.clearCookie() } });
    }
    sendSeeOther(reply, '/smart/launch', { 'set-cookie': await this.sessions.setCookie(this.sessions.signedIn(result.user.id)) });
  }

  @Public()
  @Post()
  async launch(@Req() req: LauncherRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = PageForm.of(req.body);
    const session = await this.sessions.read(req.headers.cookie);
    if (!session || !(await this.formAllowed(req, session, form))) return this.refuseForm(reply);
    const user = await this.practitioner(session);
    if (!user) return sendSeeOther(reply, '/smart/launch', { 'set-cookie': this.sessions.clearCookie() });
    const client = await this.clients.byId(form.field('client_id'));
    const patient = await this.patients.byId(user, form.field('patient'));
    if (!launchable(client) || !patient) {
      return this.showLauncher(reply, session, user, '', 400, 'Choose a patient and an app to launch.');
    }
    // An encounter is optional; when given, it must be one of this patient's.
    const encounterId = form.field('encounter')?.trim();
    const encounter = encounterId ? await this.patients.encounterOf(user, patient.id, encounterId) : undefined;
    if (encounterId && !encounter) {
      return this.showLauncher(reply, session, user, '', 400, 'That encounter is not one of this patient\'s.');
    }
    const launch = await this.contexts.createLaunch({ clientId: client.clientId, userId: user.id, patient: patient.id, encounter });
    const target = new URL(client.launchUri);
    target.searchParams.set('iss', this.config.fhirBaseUrl);
    target.searchParams.set('launch', launch);
    sendSeeOther(reply, target.toString(), { 'set-cookie': await this.sessions.setCookie(session) });
  }

  @Public()
  @Post('logout')
  async logout(@Req() req: LauncherRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = PageForm.of(req.body);
    const session = await this.sessions.read(req.headers.cookie);
    if (!session || !(await this.formAllowed(req, session, form))) return this.refuseForm(reply);
    sendSeeOther(reply, '/smart/launch', { 'set-cookie': this.sessions.clearCookie() });
  }

  /** The signed-in user of a session, if it still exists, is enabled and may launch. */
  private async practitioner(session: LauncherSession | undefined): Promise<AppUser | undefined> {
    if (!session?.userId) return undefined;
    const user = await this.users.byId(session.userId);
    return user && !user.disabled && LAUNCHER_ROLES.has(user.role) ? user : undefined;
  }

  private async formAllowed(req: LauncherRequest, session: LauncherSession, form: PageForm): Promise<boolean> {
    return this.csrf.originAllowed(req.headers.origin) && this.csrf.verify('launcher', session.sid, form.field(CSRF_FIELD));
  }

  private refuseForm(reply: FastifyReply): void {
    sendPage(reply, 403, noticePage({ title: 'Form not accepted', message: FORM_REFUSED }));
  }

  private async showLogin(reply: FastifyReply, session: LauncherSession, status: number, message?: string, username?: string,
    headers: Record<string, string> = {}): Promise<void> {
    sendPage(reply, status, loginPage({
      heading: 'Sign in to launch an app', action: '/smart/launch/login', csrf: await this.csrf.token('launcher', session.sid), username, message,
    }), { headers: { ...headers, 'set-cookie': await this.sessions.setCookie(session) } });
  }

  private async showLauncher(reply: FastifyReply, session: LauncherSession, user: AppUser, name: string, status: number, message?: string): Promise<void> {
    const apps = (await this.clients.list()).filter(launchable);
    const found = await this.patients.byName(user, name);
    sendPage(reply, status, launcherPage({
      csrf: await this.csrf.token('launcher', session.sid), userName: user.username, message,
      picker: { searchAction: '/smart/launch', name, ...found },
      apps: apps.map((a) => ({ clientId: a.clientId, name: a.name })),
    }), { formTargets: apps.map((a) => originOf(a.launchUri)), headers: { 'set-cookie': await this.sessions.setCookie(session) } });
  }
}
