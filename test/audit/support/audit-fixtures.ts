// Helpers for the audit trail tests: backend services with real client_credentials tokens, and the AuditEvents
// recorded for a request (found by the X-Request-Id the server answered with) or by their kind.
import { exportJWK, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import { Client as PgClient } from 'pg';
import { AuditTrail } from '../../../src/audit/audit-trail.service';
import { ClientsRepository } from '../../../src/smart/clients.repository';
import { TestApp } from '../../support/test-app';

export interface Backend {
  clientId: string;
  config: client.Configuration;
}

/** A backend service registered with a key pair, its openid-client configuration asserting with that key. */
export async function registerBackend(t: TestApp, scope: string): Promise<Backend> {
  const { publicKey, privateKey } = await generateKeyPair('RS384', { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS384', use: 'sig' };
  const registered = await t.app.get(ClientsRepository).create({ name: `audit backend ${kid.slice(0, 8)}`, kind: 'backend', redirectUris: [], jwks: { keys: [jwk] }, scope });
  const tokenEndpoint = `${t.origin}/auth/token`;
  const config = await client.discovery(new URL(`${t.origin}/auth`), registered.clientId, undefined,
    client.PrivateKeyJwt({ key: privateKey, kid }, { [client.modifyAssertion]: (_h, payload) => { payload.aud = tokenEndpoint; } }),
    { execute: [client.allowInsecureRequests] });
  return { clientId: registered.clientId, config };
}

export type AuditEventJson = Record<string, any>;

export class AuditLog {
  constructor(private readonly t: TestApp, private readonly db: PgClient) {}

  flush(): Promise<void> {
    return this.t.app.get(AuditTrail).flush();
  }

  /** The one AuditEvent of the request that was answered with this X-Request-Id. */
  async ofRequest(res: { headers: Record<string, string> }): Promise<AuditEventJson> {
    await this.flush();
    const key = `urn:fhir-server:request-id|${res.headers['x-request-id']}`;
    const rows = (await this.db.query('SELECT content FROM audit_event WHERE entities @> ARRAY[$1]', [key])).rows;
    if (rows.length !== 1) throw new Error(`Expected one AuditEvent for request ${key}, found ${rows.length}`);
    return JSON.parse(rows[0].content);
  }

  /** The AuditEvents of one authorization subtype code recorded after `afterSeq`, oldest first. */
  async ofSubtype(code: string, afterSeq = 0): Promise<AuditEventJson[]> {
    await this.flush();
    const rows = (await this.db.query(
      "SELECT content FROM audit_event WHERE seq > $1 AND content::jsonb -> 'subtype' @> jsonb_build_array(jsonb_build_object('code', $2::text)) ORDER BY seq",
      [afterSeq, code])).rows;
    return rows.map((r) => JSON.parse(r.content));
  }

  async lastSeq(): Promise<number> {
    await this.flush();
    return (await this.db.query('SELECT coalesce(max(seq), 0)::int AS n FROM audit_event')).rows[0].n;
  }

  async all(): Promise<{ seq: number; content: string; compartments: string[] }[]> {
    await this.flush();
    return (await this.db.query('SELECT seq::int AS seq, content, compartments FROM audit_event ORDER BY seq')).rows;
  }
}

/** The patients an AuditEvent names in the patient role. */
export function patientsOf(event: AuditEventJson): string[] {
  return (event.entity ?? []).filter((e: any) => e.role?.code === '1').map((e: any) => e.what.reference).sort();
}

/** The entity naming a resource (role Domain Resource). */
export function targetOf(event: AuditEventJson): AuditEventJson | undefined {
  return (event.entity ?? []).find((e: any) => e.role?.code === '4');
}

/** The base64 query of the query entity, decoded. */
export function queryOf(event: AuditEventJson): string | undefined {
  const e = (event.entity ?? []).find((x: any) => x.role?.code === '24');
  return e ? Buffer.from(e.query, 'base64').toString('utf8') : undefined;
}

export function requestor(event: AuditEventJson): AuditEventJson {
  return event.agent.find((a: any) => a.requestor === true);
}
