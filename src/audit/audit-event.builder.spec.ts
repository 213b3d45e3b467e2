// Unit tests: the AuditEvents the trail writes are valid R4, their search keys come from their content, the
// chain hash is the documented one, and each REST request is classified as the interaction it is.
import { createHash } from 'node:crypto';
import { validateResource } from '../validation/resource.validator';
import { chainHash, GENESIS_HASH, micros } from './audit-chain';
import { AUTHENTICATION_TYPE, authorizationSubtype, LOGIN_SUBTYPE, QUERY_ROLE, REST_TYPE, restSubtype, SYSTEM_OBJECT } from './audit-codes';
import { auditKeys, buildAuditEvent } from './audit-event.builder';
import { classifyRest, recordedQuery } from './rest-interaction.classifier';

const source = { observer: 'http://localhost:8080/fhir' };
const recorded = new Date('2026-03-04T05:06:07.089Z');
const errorsOf = (resource: unknown) => validateResource(resource).filter((i) => i.severity === 'error');

describe('buildAuditEvent', () => {
  it('writes a valid R4 AuditEvent for a read by a practitioner through an app', () => {
    const event = buildAuditEvent('6b9a3e0e-2f43-4c2b-9a56-51a1d2e0f3a1', recorded, {
      type: REST_TYPE, subtype: [restSubtype('read')], action: 'R', outcome: '0',
      actor: { userId: 'u1', fhirUser: 'Practitioner/p1', clientId: 'app1', tokenId: 'jti-1', address: '127.0.0.1' },
      entities: [{ what: { reference: 'Observation/o1' }, type: SYSTEM_OBJECT }],
      patients: ['Patient/b', 'Patient/a', 'Patient/a', 'not a key'],
    }, source);
    expect(errorsOf(event)).toEqual([]);
    expect(event).toMatchObject({
      resourceType: 'AuditEvent', action: 'R', outcome: '0', recorded: '2026-03-04T05:06:07.089Z',
      agent: [
        { who: { reference: 'Practitioner/p1', identifier: { system: 'urn:fhir-server:user', value: 'u1' } }, requestor: true,
          network: { address: '127.0.0.1', type: '2' }, policy: ['jti-1'] },
        { who: { identifier: { system: 'urn:fhir-server:client', value: 'app1' } }, requestor: false },
      ],
    });
    expect(auditKeys(event as never)).toEqual({
      compartments: ['Patient/a', 'Patient/b'],
      agents: ['Practitioner/p1', 'urn:fhir-server:client|app1', 'urn:fhir-server:user|u1'],
      entities: ['Observation/o1', 'Patient/a', 'Patient/b'],
    });
  });

  it('writes valid events for a refused anonymous search and for authorization events', () => {
    const search = buildAuditEvent('a1', recorded, {
      type: REST_TYPE, subtype: [restSubtype('search-type')], action: 'E', outcome: '4', outcomeDesc: '401 authentication-required',
      actor: { address: '::1' },
      entities: [{ type: SYSTEM_OBJECT, role: QUERY_ROLE, description: 'Observation', query: Buffer.from('code=x').toString('base64'),
        detail: [{ type: 'access-rule', valueString: 'authentication-required' }] }],
    }, source);
    expect(errorsOf(search)).toEqual([]);
    expect(auditKeys(search as never)).toEqual({ compartments: [], agents: [], entities: [] });
    const login = buildAuditEvent('a2', recorded, {
      type: AUTHENTICATION_TYPE, subtype: [LOGIN_SUBTYPE], action: 'E', outcome: '0', actor: { userId: 'u2', fhirUser: 'Patient/p9', userName: 'amy' },
    }, source);
    expect(errorsOf(login)).toEqual([]);
    expect(auditKeys(login as never).compartments).toEqual(['Patient/p9']); // a patient sees their own sign-ins
    const token = buildAuditEvent('a3', recorded, {
      type: AUTHENTICATION_TYPE, subtype: [authorizationSubtype('token-issued')], action: 'E', outcome: '0', actor: { clientId: 'svc' },
    }, source);
    expect(errorsOf(token)).toEqual([]);
  });
});

describe('chainHash', () => {
  it('is SHA-256 over the previous hash, the content, seq and recorded microseconds (both int64 big-endian)', () => {
    const content = '{"resourceType":"AuditEvent","id":"é"}';
    const expected = createHash('sha256').update(Buffer.concat([
      Buffer.alloc(32), Buffer.from(content, 'utf8'),
      Buffer.from('0000000000000007', 'hex'), Buffer.from((1772600767089000).toString(16).padStart(16, '0'), 'hex'),
    ])).digest();
    expect(chainHash(GENESIS_HASH, { seq: 7n, recordedMicros: micros(recorded), content })).toEqual(expected);
    expect(chainHash(expected, { seq: 7n, recordedMicros: micros(recorded), content })).not.toEqual(expected);
  });
});

describe('classifyRest', () => {
  const cases: [string, string, boolean, unknown, Record<string, string>, string, string][] = [
    ['GET', '/Patient/1', false, undefined, {}, 'read', 'R'],
    ['HEAD', '/Patient/1', false, undefined, {}, 'read', 'R'],
    ['GET', '/Patient/1/_history/2', false, undefined, {}, 'vread', 'R'],
    ['GET', '/Patient', true, undefined, {}, 'search-type', 'E'],
    ['POST', '/Patient/_search', false, undefined, {}, 'search-type', 'E'],
    ['POST', '/Patient', false, {}, {}, 'create', 'C'],
    ['POST', '/Patient', false, {}, { 'if-none-exist': 'x' }, 'create', 'C'],
    ['PUT', '/Patient/1', false, {}, {}, 'update', 'U'],
    ['PUT', '/Patient', true, {}, {}, 'update', 'U'],
    ['PATCH', '/Patient/1', false, [], {}, 'patch', 'U'],
    ['DELETE', '/Patient/1', false, undefined, {}, 'delete', 'D'],
    ['DELETE', '/Patient', true, undefined, {}, 'delete', 'D'],
    ['GET', '/Patient/1/_history', false, undefined, {}, 'history-instance', 'R'],
    ['GET', '/Patient/_history', false, undefined, {}, 'history-type', 'R'],
    ['GET', '/_history', false, undefined, {}, 'history-system', 'R'],
    ['POST', '', false, { type: 'batch' }, {}, 'batch', 'E'],
    ['POST', '', false, { type: 'transaction' }, {}, 'transaction', 'E'],
    ['GET', '/metadata', false, undefined, {}, 'capabilities', 'R'],
    ['GET', '/Patient/1/$everything', false, undefined, {}, 'operation', 'E'],
  ];
  it.each(cases)('%s %s', (method, path, query, body, headers, interaction, action) => {
    expect(classifyRest(method, path, query, body, headers)).toMatchObject({ interaction, action });
  });

  it('marks conditional interactions and keeps their criteria', () => {
    expect(classifyRest('PUT', '/Patient', true, {}, {})).toMatchObject({ conditional: true, hasQuery: true, type: 'Patient' });
    expect(classifyRest('POST', '/Patient', false, {}, { 'if-none-exist': 'identifier=a|b' })).toMatchObject({ conditional: true, hasQuery: false });
  });
});

describe('recordedQuery', () => {
  it('keeps search parameters and cursors but never a credential sent in the query string', () => {
    expect(recordedQuery([['code', 'x'], ['access_token', 'eyJhbGciOi'], ['_cursor', 'abc.def'], ['Client_Secret', 's']]))
      .toBe('code=x&access_token=redacted&_cursor=abc.def&Client_Secret=redacted');
  });
});
