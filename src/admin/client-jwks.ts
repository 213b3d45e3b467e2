// Reads the JWK Set of an app that authenticates with a signed JWT (asymmetric apps, backend services): public
// RSA or EC keys only, each of which must import as a key. A set holding private key material is refused.
// https://hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html https://www.rfc-editor.org/rfc/rfc7517
import * as fs from 'node:fs';
import { UsageError } from './admin-command';

export type Jwks = { keys: Record<string, unknown>[] };

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const KEY_TYPES = ['RSA', 'EC'];
const MAX_KEYS = 20;
/** The algorithm a key without `alg` is imported for (SMART asks for RS384 or ES384). */
const DEFAULT_ALG: Record<string, string> = { RSA: 'RS384', 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

function read(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`JWKS file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`JWKS file ${file} is not JSON: ${(err as Error).message}`);
  }
}

async function checkKey(key: unknown, at: string): Promise<void> {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new UsageError(`${at} is not a JSON object`);
  const jwk = key as Record<string, unknown>;
  const secret = PRIVATE_MEMBERS.filter((m) => m in jwk);
  if (secret.length > 0) throw new UsageError(`${at} holds private key material (${secret.join(', ')}): register the public keys only`);
  if (typeof jwk.kty !== 'string' || !KEY_TYPES.includes(jwk.kty)) throw new UsageError(`${at} must be an RSA or EC key (kty), not ${JSON.stringify(jwk.kty)}`);
  const alg = typeof jwk.alg === 'string' ? jwk.alg : DEFAULT_ALG[jwk.kty === 'RSA' ? 'RSA' : String(jwk.crv)];
  if (!alg) throw new UsageError(`${at} has an unsupported curve ${JSON.stringify(jwk.crv)}`);
  const { importJWK } = await import('jose');
  try {
    await importJWK(jwk, alg);
  } catch (err) {
    throw new UsageError(`${at} is not a usable ${alg} key: ${(err as Error).message}`);
  }
}

export async function readPublicJwks(file: string): Promise<Jwks> {
  const jwks = read(file) as { keys?: unknown };
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
    throw new UsageError(`JWKS file ${file} must hold a JWK Set: {"keys": [ ... ]} with at least one key`);
  }
  if (jwks.keys.length > MAX_KEYS) throw new UsageError(`JWKS file ${file} holds more than ${MAX_KEYS} keys`);
  const kids = new Set<unknown>();
  for (const [i, key] of (jwks.keys as unknown[]).entries()) {
    const kid = (key as { kid?: unknown } | null)?.kid;
    const at = `Key ${i + 1} of ${file}${typeof kid === 'string' ? ` (kid ${kid})` : ''}`;
    await checkKey(key, at);
    if (kid !== undefined && kids.has(kid)) throw new UsageError(`${at}: the kid is used twice`);
    kids.add(kid);
  }
  return { keys: jwks.keys as Record<string, unknown>[] };
}
