// The synchronous signature check accepts exactly what its keys signed with their own algorithm.
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { LocalJwsKeys, sameMediaType } from './local-jws';

async function keyPair(alg: 'RS256' | 'ES256', kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const sign = (k: { kid: string; alg: string; privateKey: Parameters<SignJWT['sign']>[0] }, header: Record<string, unknown> = {}) =>
  new SignJWT({ sub: 'x', scope: 'system/*.rs' }).setProtectedHeader({ alg: k.alg, kid: k.kid, typ: 'at+jwt', ...header }).setExpirationTime('5m').sign(k.privateKey);

describe('LocalJwsKeys', () => {
  let rs: Awaited<ReturnType<typeof keyPair>>;
  let es: Awaited<ReturnType<typeof keyPair>>;
  let stranger: Awaited<ReturnType<typeof keyPair>>;
  let keys: LocalJwsKeys;

  beforeAll(async () => {
    rs = await keyPair('RS256', 'rs');
    es = await keyPair('ES256', 'es');
    stranger = await keyPair('RS256', 'rs'); // same kid, another key
    keys = new LocalJwsKeys({ keys: [rs.jwk, es.jwk] });
  });

  it('accepts tokens signed by its RS256 and ES256 keys and returns their claims', async () => {
    expect(keys.verify(await sign(rs))?.payload.scope).toBe('system/*.rs');
    expect(keys.verify(await sign(es))?.header.kid).toBe('es');
  });

  it('refuses another key under a known kid, an edited payload, an unknown kid and a stripped signature', async () => {
    expect(keys.verify(await sign(stranger))).toBeUndefined();
    const [h, p, s] = (await sign(rs)).split('.');
    const edited = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), scope: 'system/*.cruds' })).toString('base64url');
    expect(keys.verify(`${h}.${edited}.${s}`)).toBeUndefined();
    expect(keys.verify(`${h}.${p}.`)).toBeUndefined();
    expect(keys.verify(`${h}.${p}`)).toBeUndefined();
    const unknownKid = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'nope', typ: 'at+jwt' })).toString('base64url');
    expect(keys.verify(`${unknownKid}.${p}.${s}`)).toBeUndefined();
  });

  it('refuses alg none and an algorithm other than the key\'s', async () => {
    const [, p, s] = (await sign(rs)).split('.');
    const header = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    expect(keys.verify(`${header({ alg: 'none', kid: 'rs', typ: 'at+jwt' })}.${p}.`)).toBeUndefined();
    expect(keys.verify(`${header({ alg: 'none', kid: 'rs', typ: 'at+jwt' })}.${p}.${s}`)).toBeUndefined();
    expect(keys.verify(`${header({ alg: 'HS256', kid: 'rs', typ: 'at+jwt' })}.${p}.${s}`)).toBeUndefined();
    expect(keys.verify(`${header({ alg: 'ES256', kid: 'rs', typ: 'at+jwt' })}.${p}.${s}`)).toBeUndefined();
  });

  it('refuses a token whose header has critical extensions, though the signature is good', () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const own = new LocalJwsKeys({ keys: [{ ...pair.publicKey.export({ format: 'jwk' }), kid: 'c', alg: 'RS256' }] });
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = (header: object) => {
      const input = `${part(header)}.${part({ sub: 'x' })}`;
      return `${input}.${cryptoSign('sha256', Buffer.from(input), pair.privateKey).toString('base64url')}`;
    };
    expect(own.verify(token({ alg: 'RS256', kid: 'c', typ: 'at+jwt' }))).toBeDefined();
    expect(own.verify(token({ alg: 'RS256', kid: 'c', typ: 'at+jwt', crit: ['x'], x: 1 }))).toBeUndefined();
  });

  it('compares typ as a media type', () => {
    expect(sameMediaType('at+jwt', 'at+jwt')).toBe(true);
    expect(sameMediaType('application/AT+JWT', 'at+jwt')).toBe(true);
    expect(sameMediaType('JWT', 'at+jwt')).toBe(false);
    expect(sameMediaType(undefined, 'at+jwt')).toBe(false);
  });
});
