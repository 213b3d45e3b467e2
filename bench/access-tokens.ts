// Real access tokens for the access benchmark, issued by the server's authorization server and checked by its own
// verifier: a system token from the client_credentials flow of a backend client registered with the admin CLI
// (private_key_jwt assertion, RS384), and a patient token from a standalone launch of a public app by a patient
// user made with the admin CLI (sign-in, consent, code exchange with PKCE).
// https://hl7.org/fhir/smart-app-launch/backend-services.html https://hl7.org/fhir/smart-app-launch/app-launch.html
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as client from 'openid-client';
import { Browser } from '../test/smart/support/browser';

const run = promisify(execFile);
/** The patient app's registered redirect: never fetched, the code is read from the redirect to it. */
const APP_REDIRECT = 'http://localhost/callback';
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface BackendClient {
  clientId: string;
  kid: string;
  privateKey: PrivateKey;
}

export class AccessTokens {
  private readonly passwords = new Map<string, string>();

  constructor(
    private readonly databaseUrl: string,
    /** e.g. http://127.0.0.1:40123 */
    private readonly publicUrl: string,
    /** dist-bench/src/admin/main.js */
    private readonly adminScript: string,
    /** For the JWKS and password files the CLI reads. */
    private readonly workDir: string,
  ) {}

  /** One admin CLI command on the benchmark's database; its JSON summary. */
  async admin(args: string[]): Promise<Record<string, unknown>> {
    const { stdout } = await run(process.execPath, [this.adminScript, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: this.databaseUrl, PUBLIC_URL: this.publicUrl, LOG_LEVEL: 'error' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  async registerBackend(name: string, scope: string): Promise<BackendClient> {
    const { publicKey, privateKey } = await generateKeyPair('RS384', { extractable: true });
    const kid = randomUUID();
    const file = path.join(this.workDir, `${name}.jwks.json`);
    fs.writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS384', use: 'sig' }] }));
    const backend = await this.admin(['client', 'add', '--name', name, '--kind', 'backend', '--scope', scope, '--jwks', file]);
    return { clientId: backend.client_id as string, kid, privateKey };
  }

  async registerApp(name: string, scope: string): Promise<string> {
    const app = await this.admin(['client', 'add', '--name', name, '--kind', 'public', '--scope', scope, '--redirect-uri', APP_REDIRECT]);
    return app.client_id as string;
  }

  /** A patient user for `Patient/<patientId>`; its id. */
  async addPatientUser(username: string, patientId: string): Promise<string> {
    const file = path.join(this.workDir, `${username}.password`);
    const password = randomUUID();
    this.passwords.set(username, password);
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
    const user = await this.admin(['user', 'add', '--username', username, '--password-file', file, '--role', 'patient', '--fhir-user', `Patient/${patientId}`]);
    return String(user.id);
  }

  /** client_credentials with a signed assertion, through the token endpoint. */
  async systemToken(backend: BackendClient, scope: string): Promise<string> {
    const tokenEndpoint = `${this.publicUrl}/auth/token`;
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS384', kid: backend.kid, typ: 'JWT' })
      .setIssuer(backend.clientId).setSubject(backend.clientId).setAudience(tokenEndpoint)
      .setIssuedAt(now).setExpirationTime(now + 240)
      .sign(backend.privateKey);
    const res = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials', scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
      }).toString(),
    });
    const body = (await res.json()) as { access_token?: string; scope?: string };
    if (res.status !== 200 || !body.access_token) throw new Error(`client_credentials: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    if (body.scope !== scope) throw new Error(`client_credentials granted "${body.scope}", not "${scope}"`);
    return body.access_token;
  }

  /**
   * A patient's access token from a standalone launch, the way a patient app gets one: authorization request with
   * PKCE and the FHIR base as audience, sign-in with the user's password, consent as offered, code exchange.
   */
  async patientToken(clientId: string, username: string, scope: string): Promise<{ token: string; patient?: string; scope?: string }> {
    const config = await client.discovery(new URL(`${this.publicUrl}/auth`), clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: APP_REDIRECT, scope, state, aud: `${this.publicUrl}/fhir`,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const browser = new Browser(this.publicUrl);
    const signInPage = await browser.follow(await browser.get(url.toString()));
    const consentPage = await browser.submit(signInPage, '/login', { username, password: this.passwords.get(username)! });
    const done = await browser.submit(consentPage, '/consent');
    if (!done.location?.startsWith(APP_REDIRECT)) throw new Error(`The patient launch did not come back to the app: ${done.status} ${done.location ?? ''} ${done.body.slice(0, 500)}`);
    const tokens = await client.authorizationCodeGrant(config, new URL(done.location), { pkceCodeVerifier: verifier, expectedState: state });
    return { token: tokens.access_token, patient: tokens.patient as string | undefined, scope: tokens.scope };
  }
}
