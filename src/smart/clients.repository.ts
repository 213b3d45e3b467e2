// Apps registered with the authorization server, and their oidc-provider metadata: public apps (PKCE, no
// secret), confidential apps with a secret, confidential apps with a key pair, and backend services
// (client_credentials with a signed JWT). https://hl7.org/fhir/smart-app-launch/client-authentication.html
import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { RemoteJwks } from './remote-jwks';
import { SecretSealer } from './secret-sealer';

export type ClientKind = 'public' | 'confidential' | 'asymmetric' | 'backend';

export interface RegisteredClient {
  clientId: string;
  name: string;
  kind: ClientKind;
  redirectUris: string[];
  launchUri?: string;
  jwks?: { keys: Record<string, unknown>[] };
  jwksUri?: string;
  /** The scopes the client may ask for, space-separated. */
  scope: string;
  disabled: boolean;
  created: string;
}

interface ClientRow {
  client_id: string;
  name: string;
  kind: ClientKind;
  secret_sealed: string | null;
  redirect_uris: string[];
  launch_uri: string | null;
  jwks: { keys: Record<string, unknown>[] } | null;
  jwks_uri: string | null;
  scope: string;
  disabled: boolean;
  created: Date;
}

// Every statement is fixed text; values are bound.
const COLUMNS = 'client_id, name, kind, secret_sealed, redirect_uris, launch_uri, jwks, jwks_uri, scope, disabled, created';
const INSERT = 'INSERT INTO oauth_client (client_id, name, kind, secret_sealed, redirect_uris, launch_uri, jwks, jwks_uri, scope) ' +
  'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ' + COLUMNS;
const BY_ID = 'SELECT ' + COLUMNS + ' FROM oauth_client WHERE client_id = $1';
const ALL = 'SELECT ' + COLUMNS + ' FROM oauth_client ORDER BY created';
const SET_DISABLED = 'UPDATE oauth_client SET disabled = $2, updated = now() WHERE client_id = $1 RETURNING ' + COLUMNS;
const SET_SECRET = "UPDATE oauth_client SET secret_sealed = $2, updated = now() WHERE client_id = $1 AND kind = 'confidential' RETURNING " + COLUMNS;
/** Client assertion algorithms SMART Backend Services names. */
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384'];

function toClient(row: ClientRow): RegisteredClient {
  const c: RegisteredClient = {
    clientId: row.client_id, name: row.name, kind: row.kind, redirectUris: row.redirect_uris, scope: row.scope,
    disabled: row.disabled, created: row.created.toISOString(),
  };
  if (row.launch_uri) c.launchUri = row.launch_uri;
  if (row.jwks) c.jwks = row.jwks;
  if (row.jwks_uri) c.jwksUri = row.jwks_uri;
  return c;
}

export type NewClient = Pick<RegisteredClient, 'name' | 'kind' | 'redirectUris' | 'launchUri' | 'jwks' | 'jwksUri' | 'scope'>;

@Injectable()
export class ClientsRepository {
  constructor(private readonly dataSource: DataSource, private readonly sealer: SecretSealer, private readonly remoteJwks: RemoteJwks) {}

  /** Registers a client; a confidential one gets a secret, returned here once and kept sealed. */
  async create(input: NewClient): Promise<RegisteredClient & { clientSecret?: string }> {
    const clientId = randomUUID();
    const secret = input.kind === 'confidential' ? randomBytes(32).toString('base64url') : undefined;
    const rows = (await this.dataSource.query(
      INSERT,
      [clientId, input.name, input.kind, secret ? await this.sealer.seal(secret) : null, input.redirectUris, input.launchUri ?? null,
        input.jwks ? JSON.stringify(input.jwks) : null, input.jwksUri ?? null, input.scope],
    )) as ClientRow[];
    return secret ? { ...toClient(rows[0]), clientSecret: secret } : toClient(rows[0]);
  }

  async byId(clientId: string): Promise<RegisteredClient | undefined> {
    const rows = (await this.dataSource.query(BY_ID, [clientId])) as ClientRow[];
    return rows[0] ? toClient(rows[0]) : undefined;
  }

  async list(): Promise<RegisteredClient[]> {
    return ((await this.dataSource.query(ALL)) as ClientRow[]).map(toClient);
  }

  async setDisabled(clientId: string, disabled: boolean): Promise<RegisteredClient | undefined> {
    const rows = (await this.dataSource.query(
      SET_DISABLED, [clientId, disabled])) as [ClientRow[], number];
    return rows[0][0] ? toClient(rows[0][0]) : undefined;
  }

  /** A new secret for a confidential client; the old one stops working at once. */
  async rotateSecret(clientId: string): Promise<(RegisteredClient & { clientSecret: string }) | undefined> {
    const secret = randomBytes(32).toString('base64url');
    const rows = (await this.dataSource.query(
      SET_SECRET,
      [clientId, await this.sealer.seal(secret)])) as [ClientRow[], number];
    return rows[0][0] ? { ...toClient(rows[0][0]), clientSecret: secret } : undefined;
  }

  /** The oidc-provider metadata of an enabled client, or undefined (unknown and disabled clients look the same). */
  async metadata(clientId: string): Promise<Record<string, unknown> | undefined> {
    const rows = (await this.dataSource.query(BY_ID, [clientId])) as ClientRow[];
    const row = rows[0];
    if (!row || row.disabled) return undefined;
    // No `scope` here: the provider would check it as a static list; SMART scopes are narrowed by smart-scopes.ts.
    const base: Record<string, unknown> = { client_id: row.client_id, client_name: row.name };
    switch (row.kind) {
      case 'public':
        return { ...base, token_endpoint_auth_method: 'none', redirect_uris: row.redirect_uris, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], launch_uri: row.launch_uri ?? undefined };
      case 'confidential':
        return {
          ...base, token_endpoint_auth_method: 'client_secret_basic', client_secret: await this.sealer.open(row.secret_sealed!),
          redirect_uris: row.redirect_uris, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], launch_uri: row.launch_uri ?? undefined,
        };
      case 'asymmetric':
      case 'backend': {
        // Keys behind a jwks_uri are fetched here, kept as long as their Cache-Control says, and given inline.
        const keys = { jwks: row.jwks ?? (await this.remoteJwks.get(row.jwks_uri!)) };
        const flows = row.kind === 'backend'
          ? { redirect_uris: [], grant_types: ['client_credentials'], response_types: [] }
          : { redirect_uris: row.redirect_uris, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], launch_uri: row.launch_uri ?? undefined };
        return { ...base, ...keys, ...flows, token_endpoint_auth_method: 'private_key_jwt' };
      }
    }
  }
}
