// Boots the whole application on real PostgreSQL and real HTTP for one test file, with a test principal.
import { Type } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { FhirPrincipal, PrincipalResolver, RequestHeaders } from '../../src/auth/fhir-principal';
import { AppConfig, loadConfig } from '../../src/config/app.config';
import { freePort } from '../../src/database/embedded-postgres.launcher';
import { configureHttp, fastifyOptions } from '../../src/http/http-setup';
import { createDatabase, dropDatabase, startTestCluster } from './test-cluster';

export const TEST_TOKEN = 'test-token-for-the-e2e-suite';
export const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };
/** A second caller, for what must not carry over from one principal to another (paging cursors). */
export const OTHER_TOKEN = 'other-token-for-the-e2e-suite';
export const OTHER_AUTH = { authorization: `Bearer ${OTHER_TOKEN}` };

/**
 * Stands in for the token verifier: only the suite's own tokens yield a principal, a backend service with
 * every system/ permission (the tests of authorization itself use real tokens and the real verifier).
 */
class TestPrincipalResolver extends PrincipalResolver {
  constructor(private readonly extra: Record<string, FhirPrincipal> = {}) {
    super();
  }

  async resolve(headers: RequestHeaders): Promise<FhirPrincipal | null> {
    const bearer = typeof headers.authorization === 'string' ? headers.authorization.replace(/^Bearer /, '') : '';
    if (Object.hasOwn(this.extra, bearer)) return this.extra[bearer];
    if (headers.authorization === `Bearer ${TEST_TOKEN}`) return { subject: 'test-client', clientId: 'test-client', scopes: ['system/*.cruds'] };
    if (headers.authorization === `Bearer ${OTHER_TOKEN}`) return { subject: 'other-client', clientId: 'other-client', scopes: ['system/*.cruds'] };
    return null;
  }
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** e.g. http://127.0.0.1:40123 */
  origin: string;
  /** e.g. http://127.0.0.1:40123/fhir */
  fhirBase: string;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * With `realAuthentication`, the shipped resolver stays in place: only access tokens from the server's own
 * authorization server are accepted (for the SMART tests).
 */
export interface TestAppOptions {
  realAuthentication?: boolean;
  /** More test tokens, each standing for the given principal (without realAuthentication). */
  principals?: Record<string, FhirPrincipal>;
  /** Controllers added next to the application's own (to test what the global guard does with them). */
  controllers?: Type[];
}

export async function startTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const cluster = await startTestCluster();
  const databaseUrl = await createDatabase(cluster.adminUrl);
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, DATABASE_URL: databaseUrl, ...env });
  const builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)], controllers: options.controllers ?? [] });
  const moduleRef = options.realAuthentication
    ? await builder.compile()
    : await builder.overrideProvider(PrincipalResolver).useValue(new TestPrincipalResolver(options.principals)).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(fastifyOptions(config)), {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  configureHttp(app, config);
  await app.listen(port, '127.0.0.1');
  return {
    app,
    config,
    origin: config.publicUrl,
    fhirBase: config.fhirBaseUrl,
    databaseUrl,
    async close() {
      await app.close();
      await dropDatabase(cluster.adminUrl, databaseUrl);
      await cluster.stop();
    },
  };
}
