// Every official R4 and US Core example validates without error-level issues.
import * as fs from 'fs';
import * as path from 'path';
import { constraintsThatThrew } from './invariant.checker';
import { validateResource } from './resource.validator';

const root = path.join(__dirname, '../../test/fixtures/fhir-examples');
const files = ['r4-core', 'us-core-3.0.0-prerelease'].flatMap((dir) =>
  fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.json')).sort().map((f) => `${dir}/${f}`),
);

describe('official examples', () => {
  it('finds both example folders', () => {
    expect(files.filter((f) => f.startsWith('r4-core/')).length).toBe(63);
    expect(files.filter((f) => f.startsWith('us-core-')).length).toBe(26);
  });

  it.each(files)('%s has no errors', (file) => {
    const resource: unknown = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
    const errors = validateResource(resource).filter((i) => i.severity === 'error' || i.severity === 'fatal');
    expect(errors).toEqual([]);
  });

  it('evaluated every constraint it met without the engine throwing', () => {
    expect([...constraintsThatThrew().keys()]).toEqual([]);
  });
});
