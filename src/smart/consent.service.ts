// What a consent decides: the scopes offered (what the app asked for, as far as its registration and the user's
// role allow), the launch context (an EHR launch's patient, a patient's own record, or a practitioner's pick), and,
// on submit, the oidc-provider Grant and the SMART context the token response will carry.
// https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-context-arrives-with-your-access_token
import { Inject, Injectable } from '@nestjs/common';
import type { Interaction } from 'oidc-provider';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { ClientsRepository, RegisteredClient } from './clients.repository';
import { OidcProviderHost } from './oidc-provider.factory';
import { PatientSummary } from './pages/picker.page';
import { PatientLookup } from './patient-lookup';
import { SmartContextStore } from './smart-context.store';
import { grantable, NON_RESOURCE_SCOPES, parseResourceScope } from './smart-scopes';
import { AppUser, UsersRepository } from './users.repository';

/** Where the patient of this authorization comes from. */
export type LaunchPlan =
  | { kind: 'none' }
  | { kind: 'ehr'; launch: string; patient?: PatientSummary; encounter?: string }
  | { kind: 'own'; patient: PatientSummary }
  | { kind: 'pick' };

export interface ConsentPlan {
  user: AppUser;
  client: RegisteredClient;
  requested: string[];
  /** Resource scopes that may be granted: the checkboxes. */
  offered: string[];
  /** Identity and launch scopes that will be granted. */
  fixed: string[];
  /** Asked for, but not grantable to this app or by this user. */
  refused: string[];
  launch: LaunchPlan;
}

/** The authorization cannot go on; the app is told `error`. */
export class ConsentRefusal {
  constructor(readonly error: 'access_denied' | 'invalid_request', readonly message: string) {}
}

/** A granted consent names what it granted (for the audit trail). */
export type ConsentDecision = { kind: 'granted'; grantId: string; scopes: string[]; patient?: string } | { kind: 'retry'; message: string } | ConsentRefusal;

const INVALID_LAUNCH = 'This launch is no longer valid: it has expired, was used already, or was made for another app or user. Start it again from the launcher.';
const DEFAULT_GRANT_CONTEXT_TTL = 90 * 24 * 3600;

function words(value: unknown): string[] {
  return typeof value === 'string' ? [...new Set(value.split(' ').filter(Boolean))] : [];
}

@Injectable()
export class ConsentService {
  constructor(
    private readonly host: OidcProviderHost,
    private readonly users: UsersRepository,
    private readonly clients: ClientsRepository,
    private readonly contexts: SmartContextStore,
    private readonly patients: PatientLookup,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** What the consent page shows, or why the authorization cannot go on. */
  async plan(interaction: Interaction): Promise<ConsentPlan | ConsentRefusal> {
    const params = interaction.params as { client_id?: unknown; scope?: unknown; launch?: unknown };
    const accountId = interaction.session?.accountId;
    const user = accountId ? await this.users.byId(accountId) : undefined;
    const client = typeof params.client_id === 'string' ? await this.clients.byId(params.client_id) : undefined;
    if (!user || user.disabled || !client || client.disabled) return new ConsentRefusal('access_denied', 'This sign-in can no longer be used.');
    const requested = words(params.scope);
    const granted = grantable(requested, client.scope.split(' '), user.role);
    const plan: ConsentPlan = {
      user, client, requested,
      offered: granted.filter((s) => parseResourceScope(s) !== undefined),
      fixed: granted.filter((s) => NON_RESOURCE_SCOPES.has(s)),
      refused: requested.filter((s) => !granted.includes(s)),
      launch: { kind: 'none' },
    };
    const launch = await this.launchPlan(plan, params.launch);
    if (launch instanceof ConsentRefusal) return launch;
    plan.launch = launch;
    return plan;
  }

  private async launchPlan(plan: ConsentPlan, launch: unknown): Promise<LaunchPlan | ConsentRefusal> {
    const { user, client } = plan;
    if (launch !== undefined) {
      const context = typeof launch === 'string' ? await this.contexts.peekLaunch(launch, client.clientId) : undefined;
      if (!context || context.userId !== user.id) return new ConsentRefusal('access_denied', INVALID_LAUNCH);
      const patient = context.patient ? await this.patients.byId(user, context.patient) : undefined;
      return { kind: 'ehr', launch: launch as string, patient, encounter: context.encounter };
    }
    if (plan.requested.includes('launch')) {
      return new ConsentRefusal('invalid_request', 'The app asked to be launched from the record (the launch scope) but sent no launch value.');
    }
    if (user.role === 'patient') {
      const own = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(user.fhirUser ?? '');
      const patient = own ? await this.patients.byId(user, own[1]) : undefined;
      if (patient) return { kind: 'own', patient };
      if (plan.fixed.includes('launch/patient')) return new ConsentRefusal('access_denied', 'Your account is not linked to a patient record.');
      return { kind: 'none' };
    }
    return plan.fixed.includes('launch/patient') ? { kind: 'pick' } : { kind: 'none' };
  }

  /** Records the consent: the ticked resource scopes among those offered, the fixed ones, and the launch context. */
  async decide(plan: ConsentPlan, ticked: string[], pickedPatient: string | undefined): Promise<ConsentDecision> {
    let patient: string | undefined;
    let encounter: string | undefined;
    let needPatientBanner: boolean | undefined;
    switch (plan.launch.kind) {
      case 'ehr': {
        const context = await this.contexts.consumeLaunch(plan.launch.launch, plan.client.clientId);
        if (!context || context.userId !== plan.user.id) return new ConsentRefusal('access_denied', INVALID_LAUNCH);
        ({ patient, encounter } = context);
        needPatientBanner = false;
        break;
      }
      case 'own':
        patient = plan.launch.patient.id;
        needPatientBanner = true;
        break;
      case 'pick': {
        const chosen = pickedPatient ? await this.patients.byId(plan.user, pickedPatient) : undefined;
        if (!chosen) return { kind: 'retry', message: 'Choose the patient whose record the app may use.' };
        patient = chosen.id;
        needPatientBanner = true;
        break;
      }
    }
    const resource = plan.offered.filter((s) => ticked.includes(s));
    const grantId = await this.saveGrant(plan, resource);
    const grant = await this.host.provider.Grant.find(grantId);
    const ttl = grant?.exp ? grant.exp - Math.floor(Date.now() / 1000) : DEFAULT_GRANT_CONTEXT_TTL;
    await this.contexts.saveGrantContext(grantId, {
      userId: plan.user.id, fhirUser: plan.user.fhirUser, patient, encounter, needPatientBanner,
      smartStyleUrl: `${this.config.publicUrl}/smart/smart-style.json`,
    }, Math.max(60, ttl));
    return { kind: 'granted', grantId, scopes: [...plan.fixed, ...resource], patient };
  }

  /**
   * Grants exactly `resource` and the fixed scopes; everything else that was asked is recorded as rejected, so
   * oidc-provider does not ask for consent to it again in this authorization. The grant is always a new one:
   * the page showed every requested scope, and an earlier grant loaded here would keep scopes the user has just
   * unticked (and an earlier launch context).
   */
  private async saveGrant(plan: ConsentPlan, resource: string[]): Promise<string> {
    const { provider } = this.host;
    const fhirBase = this.config.fhirBaseUrl;
    const grant = new provider.Grant({ accountId: plan.user.id, clientId: plan.client.clientId });
    const askedNames = plan.requested.filter((s) => NON_RESOURCE_SCOPES.has(s));
    const askedResource = plan.requested.filter((s) => !NON_RESOURCE_SCOPES.has(s));
    if (plan.fixed.length) grant.addOIDCScope(plan.fixed.join(' '));
    const rejectedNames = askedNames.filter((s) => !plan.fixed.includes(s));
    if (rejectedNames.length) grant.rejectOIDCScope(rejectedNames.join(' '));
    if (resource.length) grant.addResourceScope(fhirBase, resource.join(' '));
    const rejectedResource = askedResource.filter((s) => !resource.includes(s));
    if (rejectedResource.length) grant.rejectResourceScope(fhirBase, rejectedResource.join(' '));
    return grant.save();
  }
}
