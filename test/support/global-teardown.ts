// Removes the embedded PostgreSQL cluster that the test files of this run shared, stopping it first if a test
// file ended without closing it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stopOrphanedPostmaster } from '../../src/database/orphaned-postmaster';
import { testClusterDir } from './test-cluster-dir';

export default async function globalTeardown(): Promise<void> {
  await stopOrphanedPostmaster(path.join(testClusterDir(), 'pg'));
  fs.rmSync(testClusterDir(), { recursive: true, force: true });
}
