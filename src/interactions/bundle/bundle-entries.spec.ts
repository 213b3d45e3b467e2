import { FhirError } from '../../outcome/operation-outcome';
import { readRequestBundle } from './bundle-entries';

const BASE = 'http://localhost:8080/fhir';
const bundle = (entry: unknown[], type = 'transaction') => ({ resourceType: 'Bundle', type, entry });
const one = (request: unknown, resource?: unknown) => readRequestBundle(bundle([{ request, resource }]), 10, BASE).entries[0];

describe('reading a request Bundle', () => {
  it('reads the address forms of an entry url', () => {
    expect(one({ method: 'POST', url: 'Patient' })).toMatchObject({ method: 'POST', target: 'type', type: 'Patient', hasQuery: false });
    expect(one({ method: 'PUT', url: `${BASE}/Patient/123` })).toMatchObject({ target: 'instance', type: 'Patient', id: '123' });
    expect(one({ method: 'GET', url: '/Patient/1/_history/2' })).toMatchObject({ target: 'version', id: '1', vid: '2' });
    expect(one({ method: 'GET', url: 'Patient/1/_history' })).toMatchObject({ target: 'instance-history', id: '1' });
    expect(one({ method: 'GET', url: 'Patient/_history' })).toMatchObject({ target: 'type-history', type: 'Patient' });
    expect(one({ method: 'GET', url: '_history' })).toMatchObject({ target: 'system-history' });
    expect(one({ method: 'DELETE', url: 'Patient?identifier=x|1&name=a&name=b' }))
      .toMatchObject({ target: 'type', hasQuery: true, query: { identifier: 'x|1', name: ['a', 'b'] } });
  });

  it('keeps the request conditions', () => {
    expect(one({ method: 'POST', url: 'Patient', ifNoneExist: 'identifier=x|1' })).toMatchObject({ ifNoneExist: 'identifier=x|1' });
    expect(one({ method: 'PUT', url: 'Patient/1', ifMatch: 'W/"1"' })).toMatchObject({ ifMatch: 'W/"1"' });
  });

  it('keeps a bad entry\'s error with the entry', () => {
    for (const request of [
      { method: 'GET', url: 'http://elsewhere.example.org/fhir/Patient/1' },
      { method: 'TRACE', url: 'Patient' },
      { method: 'GET', url: 'Patient/1/2/3/4' },
      { method: 'GET', url: 'Patient/%E0%A4%A' },
      { method: 'GET' },
      undefined,
    ]) {
      expect(one(request).error).toBeInstanceOf(FhirError);
    }
  });

  it('refuses what is not a batch or transaction, and too many entries', () => {
    expect(() => readRequestBundle({ resourceType: 'Bundle', type: 'collection' }, 10, BASE)).toThrow(/Only batch and transaction/);
    expect(() => readRequestBundle({ resourceType: 'Patient' }, 10, BASE)).toThrow(/takes a Bundle/);
    expect(() => readRequestBundle(bundle(Array(11).fill({ request: { method: 'GET', url: 'Patient/1' } }), 'batch'), 10, BASE))
      .toThrow(/at most 10 entries/);
  });
});
