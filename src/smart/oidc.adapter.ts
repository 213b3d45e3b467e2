// The oidc-provider storage adapter on PostgreSQL: every model (sessions, interactions, grants, codes, refresh
// tokens, replay-detection entries...) is a row of oidc_model, so a restart loses nothing and instances share it.
// Clients are not stored here: they come from the registered apps (oauth_client).
// https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#adapter
import { DataSource } from 'typeorm';
import { ClientsRepository } from './clients.repository';

type Payload = Record<string, unknown> & { grantId?: string; userCode?: string; uid?: string; consumed?: unknown };

export interface AdapterDependencies {
  dataSource: DataSource;
  clients: ClientsRepository;
}

/** Builds the adapter class oidc-provider instantiates once per model name. */
export function postgresAdapter(deps: AdapterDependencies) {
  const { dataSource, clients } = deps;
  return class PostgresAdapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      if (this.model === 'Client') return; // registration happens through the admin CLI only
      await dataSource.query(
        `INSERT INTO oidc_model (model, id, payload, grant_id, user_code, uid, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + make_interval(secs => $7::int) END)
         ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
           user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
        [this.model, id, JSON.stringify(payload), payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, expiresIn ?? null],
      );
    }

    private async one(where: string, value: string): Promise<Payload | undefined> {
      const rows = (await dataSource.query(
        `SELECT payload, consumed_at FROM oidc_model WHERE model = $1 AND ${where} = $2 AND (expires_at IS NULL OR expires_at > now())`,
        [this.model, value],
      )) as { payload: Payload; consumed_at: Date | null }[];
      const row = rows[0];
      if (!row) return undefined;
      return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
    }

    async find(id: string): Promise<Payload | undefined> {
      if (this.model === 'Client') return clients.metadata(id);
      return this.one('id', id);
    }

    findByUserCode(userCode: string): Promise<Payload | undefined> {
      return this.one('user_code', userCode);
    }

    findByUid(uid: string): Promise<Payload | undefined> {
      return this.one('uid', uid);
    }

    async consume(id: string): Promise<void> {
      await dataSource.query('UPDATE oidc_model SET consumed_at = now() WHERE model = $1 AND id = $2', [this.model, id]);
    }

    async destroy(id: string): Promise<void> {
      await dataSource.query('DELETE FROM oidc_model WHERE model = $1 AND id = $2', [this.model, id]);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await dataSource.query('DELETE FROM oidc_model WHERE grant_id = $1', [grantId]);
    }
  };
}
