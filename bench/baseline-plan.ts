// What the baseline server (baseline.server.ts) runs, worked out in the benchmark process with the server's own
// classes: the version-write statement ResourceRepository builds for a create, and the index rows and
// patient-compartment keys the server's FHIRPath extraction gives the one Observation body the benchmark sends.
// So the baseline writes the same rows with the same SQL, without validating or extracting anything per request.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppConfig } from '../src/config/app.config';
import { ConformanceRegistry } from '../src/conformance/conformance.registry';
import { PatientCompartmentIndexer } from '../src/search/patient-compartment.indexer';
import { SearchIndexWriter } from '../src/search/search-index.writer';
import { SearchParameterRegistry } from '../src/search/search-parameter.registry';
import { SearchIndexer } from '../src/search/search.indexer';
import { DatabaseSession } from '../src/storage/database-session';
import { ResourceRepository } from '../src/storage/resource.repository';
import { FhirResource, withServerMeta } from '../src/storage/stored-resource';

/** The read is resource.repository.ts's SELECT_CURRENT; checked against that file's text when the plan is made. */
const READ_STATEMENT =
  'SELECT resource_type, id, version_id, last_updated, deleted, content FROM resource WHERE resource_type = $1 AND id = $2';

export interface BaselinePlan {
  readStatement: string;
  createType: string;
  createStatement: string;
  /** Parameters 9 and on of createStatement: the index rows of the body, as parallel arrays per table. */
  indexParams: unknown[];
  compartments: string[];
  /** The server's pool size (database.providers.ts), so both sides have as many connections. */
  poolSize: number;
}

export function baselinePlan(config: AppConfig, body: FhirResource, poolSize: number): BaselinePlan {
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'storage', 'resource.repository.ts'), 'utf8');
  if (!source.includes(`'${READ_STATEMENT}'`)) {
    throw new Error('resource.repository.ts no longer reads with the statement the baseline copies: update baseline-plan.ts');
  }
  const writer = new SearchIndexWriter(new SearchIndexer(new SearchParameterRegistry(ConformanceRegistry.load(config.profilesDir)), config));
  const compartments = new PatientCompartmentIndexer(config);
  // The statement is built in the constructor; nothing of the session is used for that.
  const repository = new ResourceRepository(null as unknown as DatabaseSession, writer, compartments);
  const createStatement = (repository as unknown as { insertStatement?: unknown }).insertStatement;
  if (typeof createStatement !== 'string' || !createStatement.startsWith('WITH cur AS (INSERT INTO resource')) {
    throw new Error('ResourceRepository no longer keeps its create statement as insertStatement: update baseline-plan.ts');
  }
  const stored = withServerMeta(body, 'baseline', 1, new Date());
  return {
    readStatement: READ_STATEMENT,
    createType: body.resourceType,
    createStatement,
    indexParams: writer.params(stored),
    compartments: compartments.keys(stored),
    poolSize,
  };
}
