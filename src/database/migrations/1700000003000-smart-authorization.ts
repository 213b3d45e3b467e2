// The authorization server's state: users and registered apps, the signing keys, every oidc-provider model
// (sessions, interactions, grants, codes, refresh tokens, replay-detection entries, EHR launch contexts), and
// revoked access tokens. https://hl7.org/fhir/smart-app-launch/
import { MigrationInterface, QueryRunner } from 'typeorm';

export class SmartAuthorization1700000003000 implements MigrationInterface {
  name = 'SmartAuthorization1700000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE app_user (
        id text PRIMARY KEY,
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('patient', 'practitioner', 'admin')),
        fhir_user text,
        disabled boolean NOT NULL DEFAULT false,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE oauth_client (
        client_id text PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('public', 'confidential', 'asymmetric', 'backend')),
        secret_sealed text,
        redirect_uris text[] NOT NULL DEFAULT '{}',
        launch_uri text,
        jwks jsonb,
        jwks_uri text,
        scope text NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE signing_key (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        private_jwk jsonb NOT NULL,
        created timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE oidc_model (
        model text NOT NULL,
        id text NOT NULL,
        payload jsonb NOT NULL,
        grant_id text,
        user_code text,
        uid text,
        expires_at timestamptz,
        consumed_at timestamptz,
        PRIMARY KEY (model, id)
      )`);
    await q.query('CREATE INDEX oidc_model_grant_idx ON oidc_model (grant_id) WHERE grant_id IS NOT NULL');
    await q.query('CREATE INDEX oidc_model_uid_idx ON oidc_model (model, uid) WHERE uid IS NOT NULL');
    await q.query('CREATE INDEX oidc_model_user_code_idx ON oidc_model (model, user_code) WHERE user_code IS NOT NULL');
    await q.query('CREATE INDEX oidc_model_expires_idx ON oidc_model (expires_at)');
    await q.query('CREATE TABLE revoked_token (jti text PRIMARY KEY, expires_at timestamptz NOT NULL)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE revoked_token, oidc_model, signing_key, oauth_client, app_user');
  }
}
