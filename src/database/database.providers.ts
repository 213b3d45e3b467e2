// The DataSource: on DATABASE_URL when given, else on an embedded PostgreSQL this process starts and stops.
import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, APP_CONFIG } from '../config/app.config';
import { RunningDatabase, startEmbeddedPostgres } from './embedded-postgres.launcher';
import { InitialSchema1700000000000 } from './migrations/1700000000000-initial-schema';
import { SearchIndexColumns1700000001000 } from './migrations/1700000001000-search-index-columns';
import { ServerSecrets1700000002000 } from './migrations/1700000002000-server-secrets';
import { SmartAuthorization1700000003000 } from './migrations/1700000003000-smart-authorization';
import { SearchStatistics1700000005000 } from './migrations/1700000005000-search-statistics';
import { LoginThrottle1700000004100 } from './migrations/1700000004100-login-throttle';
import { AccessIndexes1700000006500 } from './migrations/1700000006500-access-indexes';
import { AuditTrail1700000007000 } from './migrations/1700000007000-audit-trail';
import { prepareAppRole } from './app-role';

export const RUNNING_DATABASE = Symbol('RUNNING_DATABASE');

export const MIGRATIONS = [InitialSchema1700000000000, SearchIndexColumns1700000001000, ServerSecrets1700000002000, SmartAuthorization1700000003000,
  LoginThrottle1700000004100, SearchStatistics1700000005000, AccessIndexes1700000006500, AuditTrail1700000007000];

/**
 * A DataSource on `url`; with `role`, every connection of its pool takes that role on at start (the startup
 * option `-c role=…`, joined to any `options` the URL gives).
 */
export function createDataSource(url: string, { role, poolSize = 20 }: { role?: string; poolSize?: number } = {}): DataSource {
  let options: string | undefined;
  if (role) {
    const parsed = new URL(url);
    options = [parsed.searchParams.get('options'), `-c role=${role}`].filter(Boolean).join(' ');
    parsed.searchParams.delete('options'); // the URL's own options would replace ours
    url = parsed.toString();
  }
  return new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
    extra: { max: poolSize, application_name: 'fhir-server', ...(options ? { options } : {}) },
  });
}

/**
 * Migrates as the connecting role (the owner), prepares the application role, then opens the pool the
 * application uses, as that role when it could be prepared.
 */
export async function openDataSource(url: string): Promise<DataSource> {
  const owner = createDataSource(url, { poolSize: 1 });
  let role: string | undefined;
  try {
    await owner.initialize();
    await owner.runMigrations({ transaction: 'each' });
    role = await prepareAppRole(owner);
  } finally {
    if (owner.isInitialized) await owner.destroy();
  }
  const dataSource = createDataSource(url, { role });
  await dataSource.initialize();
  return dataSource;
}

export const databaseProviders: Provider[] = [
  {
    provide: RUNNING_DATABASE,
    inject: [APP_CONFIG],
    useFactory: async (config: AppConfig): Promise<RunningDatabase> =>
      config.databaseUrl ? { url: config.databaseUrl, stop: async () => undefined } : startEmbeddedPostgres(config.dataDir),
  },
  {
    provide: DataSource,
    inject: [RUNNING_DATABASE],
    useFactory: async (db: RunningDatabase): Promise<DataSource> => {
      try {
        return await openDataSource(db.url);
      } catch (err) {
        await db.stop();
        throw err;
      }
    },
  },
];

/** Closes the pool first, then stops the embedded PostgreSQL, so no connection is cut mid-query. */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(RUNNING_DATABASE) private readonly db: RunningDatabase,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    try {
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
    } finally {
      await this.db.stop();
      this.logger.log('Database closed');
    }
  }
}
