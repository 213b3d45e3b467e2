// Checks the signature of a compact JWS against this server's own public signing keys with node:crypto,
// synchronously. jose (which parses the header and payload here) verifies through WebCrypto, whose every
// check is a thread-pool job: on every API request that hand-off costs more than the RSA check itself.
// https://www.rfc-editor.org/rfc/rfc7515#section-5.2
import { createPublicKey, KeyObject, verify } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, JWTPayload, ProtectedHeaderParameters } from 'jose';

const ALGORITHMS = new Set(['RS256', 'ES256']);

export class LocalJwsKeys {
  private readonly keys = new Map<string, { alg: string; key: KeyObject }>();

  constructor(jwks: { keys: Record<string, unknown>[] }) {
    for (const jwk of jwks.keys) {
      if (typeof jwk.kid !== 'string' || typeof jwk.alg !== 'string' || !ALGORITHMS.has(jwk.alg)) continue;
      this.keys.set(jwk.kid, { alg: jwk.alg, key: createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }) });
    }
  }

  /** Header and payload of a JWT signed by one of these keys with the key's own algorithm; undefined otherwise. */
  verify(token: string): { header: ProtectedHeaderParameters; payload: JWTPayload } | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
    let header: ProtectedHeaderParameters;
    let payload: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      payload = decodeJwt(token);
    } catch {
      return undefined;
    }
    // No critical header extension is understood here, so none may be present (RFC 7515 §4.1.11).
    if (typeof header.kid !== 'string' || typeof header.alg !== 'string' || header.crit !== undefined) return undefined;
    const entry = this.keys.get(header.kid);
    if (!entry || entry.alg !== header.alg) return undefined;
    const key = entry.alg === 'ES256' ? { key: entry.key, dsaEncoding: 'ieee-p1363' as const } : entry.key;
    const signed = verify('sha256', Buffer.from(token.slice(0, parts[0].length + 1 + parts[1].length), 'ascii'), key, Buffer.from(parts[2], 'base64url'));
    return signed ? { header, payload } : undefined;
  }
}

/** A media type as JWT `typ` compares it: case-insensitive, `application/` optional (RFC 7515 §4.1.9). */
export function sameMediaType(typ: unknown, expected: string): boolean {
  if (typeof typ !== 'string') return false;
  const normal = (t: string) => t.toLowerCase().replace(/^application\//, '');
  return normal(typ) === normal(expected);
}
