// Logs validate() time for typical resources after warm-up (a measurement, deliberately without timing asserts).
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { validateResource } from './resource.validator';

const examples = path.join(__dirname, '../../test/fixtures/fhir-examples/r4-core');

describe('validation timing', () => {
  it.each(['Patient-example.json', 'Observation-example.json', 'Observation-bmi.json', 'MedicationRequest-medrx0301.json'])('%s', (file) => {
    const resource: unknown = JSON.parse(fs.readFileSync(path.join(examples, file), 'utf8'));
    const coldStart = performance.now();
    validateResource(resource);
    const cold = performance.now() - coldStart;
    for (let i = 0; i < 200; i++) validateResource(resource); // warm-up: lazy compilation, JIT
    const runs = 1000;
    const start = performance.now();
    for (let i = 0; i < runs; i++) validateResource(resource);
    const warm = (performance.now() - start) / runs;
    console.log(`validate(${file}): first call ${cold.toFixed(1)} ms, after warm-up ${warm.toFixed(3)} ms per call`);
    expect(validateResource(resource).filter((i) => i.severity === 'error')).toEqual([]);
  });
});
