// The compartment keys taken from the search indexer's reference rows (the write path) are the keys the
// CompartmentDefinition's own expressions give, on every resource of the Synthea and official example fixtures.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../config/app.config';
import { ConformanceRegistry } from '../conformance/conformance.registry';
import { FhirResource } from '../storage/stored-resource';
import { PatientCompartmentIndexer } from './patient-compartment.indexer';
import { SearchParameterRegistry } from './search-parameter.registry';
import { SearchIndexer } from './search.indexer';

const FIXTURES = path.join(__dirname, '../../test/fixtures');

function fixtureResources(): FhirResource[] {
  const out: FhirResource[] = [];
  for (const file of fs.readdirSync(path.join(FIXTURES, 'synthea')).filter((f) => f.endsWith('.json'))) {
    const bundle = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'synthea', file), 'utf8')) as { entry: { fullUrl?: string; resource: FhirResource }[] };
    for (const e of bundle.entry) {
      // Synthea refers by urn:uuid; as stored, those references are Type/id.
      const text = JSON.stringify(e.resource).replace(/"urn:uuid:([0-9a-f-]{36})"/g, (_m, id: string) => `"Patient/${id}"`);
      out.push(JSON.parse(text) as FhirResource);
    }
  }
  const examples = path.join(FIXTURES, 'fhir-examples', 'r4-core');
  for (const file of fs.readdirSync(examples).filter((f) => f.endsWith('.json'))) {
    out.push(JSON.parse(fs.readFileSync(path.join(examples, file), 'utf8')) as FhirResource);
  }
  return out;
}

it('derives the same patient-compartment keys from reference rows as from the compartment expressions', () => {
  const config = loadConfig({ PORT: '8080' });
  const conformance = ConformanceRegistry.load(config.profilesDir);
  const indexer = new SearchIndexer(new SearchParameterRegistry(conformance), config);
  const compartments = new PatientCompartmentIndexer(config);
  const resources = fixtureResources().filter((r) => conformance.isEnabled(r.resourceType));
  expect(resources.length).toBeGreaterThan(1000);
  let keyed = 0;
  for (const resource of resources) {
    const expected = compartments.keys(resource);
    expect([resource.resourceType, resource.id, compartments.keysFromReferences(resource, indexer.extract(resource).reference)])
      .toEqual([resource.resourceType, resource.id, expected]);
    if (expected.length > 0) keyed++;
  }
  expect(keyed).toBeGreaterThan(500);
});
