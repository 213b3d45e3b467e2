// The real PostgreSQL the e2e tests run on: DATABASE_URL when given, else an embedded cluster that the test
// files of one run share (initialised by the first, restarted warm by the others), one database per file.
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.launcher';
import { testClusterDir } from './test-cluster-dir';

export interface TestCluster {
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, stop: async () => undefined };
  const quiet = new Logger('TestPostgres');
  quiet.log = () => undefined;
  quiet.debug = () => undefined;
  const db = await startEmbeddedPostgres(testClusterDir(), quiet);
  return { adminUrl: db.url, stop: () => db.stop() };
}

async function admin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
}

export async function createDatabase(adminUrl: string): Promise<string> {
  const name = `fhir_test_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
