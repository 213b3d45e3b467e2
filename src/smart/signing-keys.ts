// The authorization server's signing keys: from SMART_JWKS_FILE when configured (a JWKS with private keys),
// otherwise generated once (RS256 and ES256), stored in the database and shared by every instance. The
// library's development keys are never used. Cookie-signing keys come from the server secrets likewise.
import * as fs from 'node:fs';
import { generateKeyPair, exportJWK, calculateJwkThumbprint, JWK } from 'jose';
import { DataSource } from 'typeorm';
import { ServerSecrets } from '../storage/server-secrets';

export interface PrivateJwks {
  keys: (JWK & { kid: string; alg: string; use: string })[];
}

const GENERATE_LOCK = 7_236_551; // advisory lock key: one instance generates, the others wait and read

async function generated(alg: 'RS256' | 'ES256'): Promise<JWK & { kid: string; alg: string; use: string }> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg, use: 'sig' };
}

export async function loadSigningKeys(dataSource: DataSource, jwksFile: string | undefined): Promise<PrivateJwks> {
  if (jwksFile) {
    const jwks = JSON.parse(fs.readFileSync(jwksFile, 'utf8')) as PrivateJwks;
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0 || jwks.keys.some((k) => !k.d)) {
      throw new Error(`${jwksFile} must be a JWKS of private signing keys`);
    }
    return jwks;
  }
  return dataSource.transaction(async (em) => {
    await em.query('SELECT pg_advisory_xact_lock($1)', [GENERATE_LOCK]);
    let rows = (await em.query('SELECT private_jwk FROM signing_key ORDER BY created, kid')) as { private_jwk: PrivateJwks['keys'][number] }[];
    if (rows.length === 0) {
      for (const key of [await generated('RS256'), await generated('ES256')]) {
        await em.query('INSERT INTO signing_key (kid, alg, private_jwk) VALUES ($1, $2, $3)', [key.kid, key.alg, JSON.stringify(key)]);
      }
      rows = (await em.query('SELECT private_jwk FROM signing_key ORDER BY created, kid')) as typeof rows;
    }
    // RS256 first: the default algorithm for tokens
    return { keys: rows.map((r) => r.private_jwk).sort((a, b) => (a.alg === 'RS256' ? -1 : b.alg === 'RS256' ? 1 : 0)) };
  });
}

export async function cookieKeys(secrets: ServerSecrets): Promise<string[]> {
  return [(await secrets.get('cookie-signing')).toString('base64url')];
}
