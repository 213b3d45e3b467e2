// Test fixtures for SMART App Launch: registered apps driven by openid-client (discovery at the issuer, PKCE
// S256, aud = the FHIR base), users and patients made through the application's own repositories, and the
// browser steps of an authorization (sign in, consent) up to the redirect back to the app.
// https://hl7.org/fhir/smart-app-launch/app-launch.html
import * as client from 'openid-client';
import { randomUUID } from 'node:crypto';
import { AccessContext } from '../../../src/access/access-context';
import { AccessScope } from '../../../src/access/access-scope';
import { CreateInteraction } from '../../../src/interactions/create.interaction';
import { ClientKind, ClientsRepository } from '../../../src/smart/clients.repository';
import { AppUser, UserRole, UsersRepository } from '../../../src/smart/users.repository';
import { TestApp } from '../../support/test-app';
import { Browser, Page } from './browser';

export const PASSWORD = 'a long and unguessable passphrase';

export interface TestSmartApp {
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  config: client.Configuration;
}

export async function registerApp(t: TestApp, options: {
  scope: string; name?: string; kind?: ClientKind; redirectUri?: string; launchUri?: string;
}): Promise<TestSmartApp> {
  const redirectUri = options.redirectUri ?? 'https://app.example/cb';
  const kind = options.kind ?? 'public';
  const registered = await t.app.get(ClientsRepository).create({
    name: options.name ?? `app ${randomUUID().slice(0, 8)}`, kind, redirectUris: [redirectUri], launchUri: options.launchUri, scope: options.scope,
  });
  const auth = registered.clientSecret ? client.ClientSecretBasic(registered.clientSecret) : client.None();
  const config = await client.discovery(new URL(`${t.origin}/auth`), registered.clientId, undefined, auth, { execute: [client.allowInsecureRequests] });
  return { clientId: registered.clientId, clientSecret: registered.clientSecret, redirectUri, config };
}

/** Seeds a resource as the server's own work (no token), through the create interaction. */
export async function seed(t: TestApp, resource: { resourceType: string; [key: string]: unknown }): Promise<string> {
  const result = await AccessScope.run(AccessContext.internal(), () =>
    t.app.get(CreateInteraction).execute(resource.resourceType, resource, { 'content-type': 'application/fhir+json' }));
  return result.version!.id;
}

export function createPatient(t: TestApp, family: string, given: string, birthDate: string): Promise<string> {
  return seed(t, { resourceType: 'Patient', name: [{ use: 'official', family, given: [given] }], birthDate });
}

export function createPractitioner(t: TestApp, family: string): Promise<string> {
  return seed(t, { resourceType: 'Practitioner', name: [{ family, given: ['Dr'] }] });
}

export function createUser(t: TestApp, role: UserRole, fhirUser?: string, username = `${role}-${randomUUID().slice(0, 8)}`): Promise<AppUser> {
  return t.app.get(UsersRepository).create({ username, password: PASSWORD, role, fhirUser });
}

export interface Authorization {
  /** The page the browser ends on: the sign-in page, normally. */
  page: Page;
  verifier: string;
  state: string;
  url: URL;
}

/** An authorization request as openid-client builds it, followed in the browser up to the first page. */
export async function authorize(browser: Browser, app: TestSmartApp, fhirBase: string, scope: string,
  extra: Record<string, string> = {}): Promise<Authorization> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(app.config, {
    redirect_uri: app.redirectUri, scope, state, aud: fhirBase,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  const page = await browser.follow(await browser.get(url.toString()));
  return { page, verifier, state, url };
}

/** Signs in on the sign-in page; returns the next page (consent) or the redirect to the app. */
export function signIn(browser: Browser, page: Page, username: string, password = PASSWORD): Promise<Page> {
  return browser.submit(page, '/login', { username, password });
}

/** Allows on the consent page with its boxes as they are, or with `scope` ticked and `patient` picked. */
export function allow(browser: Browser, page: Page, changes: Record<string, string | string[]> = {}): Promise<Page> {
  return browser.submit(page, '/consent', changes);
}

/** The redirect back to the app (code or error), read from a page that leaves the server. */
export function callbackOf(page: Page, app: TestSmartApp): URL {
  if (!page.location || !page.location.startsWith(app.redirectUri)) {
    throw new Error(`Expected a redirect to ${app.redirectUri}, got ${page.status} ${page.location ?? ''}\n${page.body}`);
  }
  return new URL(page.location);
}

export function exchange(app: TestSmartApp, auth: Authorization, callback: URL) {
  return client.authorizationCodeGrant(app.config, callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state });
}

/** The whole standalone flow for a user on a fresh browser: authorize, sign in, consent, exchange. */
export async function launchStandalone(t: TestApp, app: TestSmartApp, user: AppUser, scope: string,
  consentChanges: Record<string, string | string[]> = {}) {
  const browser = new Browser(t.origin);
  const auth = await authorize(browser, app, t.fhirBase, scope);
  const consentPage = await signIn(browser, auth.page, user.username);
  const done = await allow(browser, consentPage, consentChanges);
  return { browser, auth, consentPage, tokens: await exchange(app, auth, callbackOf(done, app)) };
}
