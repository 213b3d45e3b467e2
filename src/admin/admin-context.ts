// Boots the application without HTTP for the admin CLI, on the server's configuration and database: DATABASE_URL
// when set; else the embedded cluster in DATA_DIR, reached through the running server when one holds the
// folder, or started (and stopped at the end) by the CLI itself.
import { INestApplicationContext, Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { AppConfig, loadConfig, LOG_LEVELS } from '../config/app.config';
import { runningClusterUrl } from '../database/embedded-postgres.launcher';
import { StderrLogger } from './stderr.logger';

export interface AdminContext {
  app: INestApplicationContext;
  config: AppConfig;
  logger: Logger;
}

/**
 * The configuration main.ts loads, with two differences: update-as-create is on, because the import keeps the
 * ids the files give (a rerun then updates instead of duplicating), and a Bundle file may hold more entries than
 * an HTTP client may send (a long Synthea life runs past 10,000). The CLI is not reachable over HTTP.
 */
export function adminConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const config = loadConfig(env);
  return { ...config, updateCreate: true, bundleMaxEntries: Math.max(config.bundleMaxEntries, ADMIN_BUNDLE_MAX_ENTRIES) };
}

const ADMIN_BUNDLE_MAX_ENTRIES = 1_000_000;

export async function openAdminContext(config: AppConfig): Promise<AdminContext> {
  const stderr = new StderrLogger(LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1) as unknown as LogLevel[]);
  Logger.overrideLogger(stderr);
  const logger = new Logger('Admin');
  let effective = config;
  if (!config.databaseUrl) {
    const running = runningClusterUrl(config.dataDir);
    if (running) {
      logger.log(`Using the PostgreSQL of the server running on ${config.dataDir} (process ${running.pid})`);
      effective = { ...config, databaseUrl: running.url };
    }
  }
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(effective), { abortOnError: false, logger: stderr });
  return { app, config: effective, logger };
}
