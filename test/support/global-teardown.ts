// Removes the embedded PostgreSQL cluster that the test files of this run shared.
import * as fs from 'node:fs';
import { testClusterDir } from './test-cluster-dir';

export default async function globalTeardown(): Promise<void> {
  fs.rmSync(testClusterDir(), { recursive: true, force: true });
}
