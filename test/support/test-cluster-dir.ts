// Where the embedded test cluster of this jest process lives (kept free of imports that jest's teardown cannot load).
import * as os from 'node:os';
import * as path from 'node:path';

export function testClusterDir(): string {
  return path.join(os.tmpdir(), `fhir-test-cluster-${process.pid}`);
}
