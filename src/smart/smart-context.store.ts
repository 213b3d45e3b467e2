// SMART launch state kept beside the provider's own models (same table, own model names):
// - an EHR launch: the single-use, short-lived `launch` value a launcher hands an app, bound to that app, the
//   patient, the encounter and the signed-in user;
// - the context of a grant: what the token response and the access token carry (patient, encounter,
//   fhirUser, need_patient_banner, smart_style_url), looked up by grant id at every token issue.
// https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-context-arrives-with-your-access_token
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

export interface LaunchContext {
  clientId: string;
  userId: string;
  patient?: string;
  encounter?: string;
}

export interface GrantContext {
  userId?: string;
  fhirUser?: string;
  patient?: string;
  encounter?: string;
  needPatientBanner?: boolean;
  smartStyleUrl?: string;
}

/** An EHR launch value lives this long and is good for one authorization. */
export const LAUNCH_TTL_SECONDS = 300;

@Injectable()
export class SmartContextStore {
  constructor(private readonly dataSource: DataSource) {}

  async createLaunch(context: LaunchContext): Promise<string> {
    const id = randomBytes(24).toString('base64url');
    await this.dataSource.query(
      `INSERT INTO oidc_model (model, id, payload, expires_at) VALUES ('SmartLaunch', $1, $2, now() + make_interval(secs => $3))`,
      [id, JSON.stringify(context), LAUNCH_TTL_SECONDS],
    );
    return id;
  }

  /** The launch for this client, consumed: a second use, another client's use, or a late one finds nothing. */
  async consumeLaunch(id: string, clientId: string): Promise<LaunchContext | undefined> {
    const rows = (await this.dataSource.query(
      `UPDATE oidc_model SET consumed_at = now() WHERE model = 'SmartLaunch' AND id = $1 AND consumed_at IS NULL AND expires_at > now()
       AND payload->>'clientId' = $2 RETURNING payload`,
      [id, clientId],
    )) as [{ payload: LaunchContext }[], number];
    return rows[0][0]?.payload;
  }

  /** The launch for this client without consuming it (to show the consent page before the code is issued). */
  async peekLaunch(id: string, clientId: string): Promise<LaunchContext | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT payload FROM oidc_model WHERE model = 'SmartLaunch' AND id = $1 AND consumed_at IS NULL AND expires_at > now()
       AND payload->>'clientId' = $2`,
      [id, clientId],
    )) as { payload: LaunchContext }[];
    return rows[0]?.payload;
  }

  async saveGrantContext(grantId: string, context: GrantContext, ttlSeconds: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO oidc_model (model, id, payload, grant_id, expires_at) VALUES ('SmartGrantContext', $1, $2, $1, now() + make_interval(secs => $3))
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at`,
      [grantId, JSON.stringify(context), ttlSeconds],
    );
  }

  async grantContext(grantId: string): Promise<GrantContext | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT payload FROM oidc_model WHERE model = 'SmartGrantContext' AND id = $1 AND (expires_at IS NULL OR expires_at > now())`, [grantId])) as { payload: GrantContext }[];
    return rows[0]?.payload;
  }
}
