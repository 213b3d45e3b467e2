// Keys of clients registered with a jwks_uri, fetched by this server rather than the authorization library so
// that they are kept no longer than the response's Cache-Control allows (no-store, no-cache or no max-age:
// not kept at all), the body is at most 64 KiB, and only https (or a loopback address) is fetched.
// https://hl7.org/fhir/smart-app-launch/backend-services.html#registering-a-smart-backend-service-communicating-public-keys
import { Injectable, Logger } from '@nestjs/common';

export const JWKS_URI_MAX_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 5000;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface PublicJwks {
  keys: Record<string, unknown>[];
}

/** Seconds the response may be kept, from Cache-Control; 0 when it may not. */
export function cacheSeconds(cacheControl: string | null): number {
  if (!cacheControl) return 0;
  const directives = cacheControl.toLowerCase().split(',').map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
  const maxAge = directives.map((d) => /^max-age=(\d{1,9})$/.exec(d)?.[1]).find((v) => v !== undefined);
  return maxAge === undefined ? 0 : Number(maxAge);
}

@Injectable()
export class RemoteJwks {
  private readonly logger = new Logger('RemoteJwks');
  private readonly cache = new Map<string, { jwks: PublicJwks; until: number }>();

  /** The key set at `uri`, or an empty one when it cannot be fetched (the client then cannot authenticate). */
  async get(uri: string): Promise<PublicJwks> {
    const cached = this.cache.get(uri);
    if (cached && cached.until > Date.now()) return cached.jwks;
    this.cache.delete(uri);
    try {
      const url = new URL(uri);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) throw new Error('not https');
      const response = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (response.status !== 200 || !response.body) throw new Error(`status ${response.status}`);
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > JWKS_URI_MAX_BYTES) throw new Error(`larger than ${JWKS_URI_MAX_BYTES} bytes`);
        chunks.push(chunk);
      }
      const jwks = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PublicJwks;
      if (!Array.isArray(jwks.keys)) throw new Error('no keys array');
      const publicOnly = { keys: jwks.keys.filter((k) => typeof k === 'object' && k !== null && !('d' in k) && !('k' in k)) };
      const seconds = cacheSeconds(response.headers.get('cache-control'));
      if (seconds > 0) this.cache.set(uri, { jwks: publicOnly, until: Date.now() + seconds * 1000 });
      return publicOnly;
    } catch (err) {
      this.logger.warn(`Keys of a client could not be fetched from its jwks_uri: ${(err as Error).message}`);
      return { keys: [] };
    }
  }
}
