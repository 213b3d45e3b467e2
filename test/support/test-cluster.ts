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

export async function createDatabase(adminUrl: string): Promise<string> {
  const name = `fhir_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
