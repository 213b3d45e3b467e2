// Checks the URLs a registered app gives: redirect and launch URLs must be absolute https URLs (http only on a
// loopback host, for apps run on the user's machine) without a fragment; a JWKS URL must be https.
// https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2 https://www.rfc-editor.org/rfc/rfc8252#section-7.3
import { UsageError } from './admin-command';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function parsed(value: string, option: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${option} "${value}" is not an absolute URL`);
  }
  if (value.includes('#')) throw new UsageError(`${option} "${value}" may not have a fragment (#)`);
  if (url.username || url.password) throw new UsageError(`${option} "${value}" may not carry a user name or password`);
  return url;
}

/** A redirect or launch URL, kept exactly as written (a redirect_uri is compared as a string). */
export function appUrl(value: string, option: string): string {
  const url = parsed(value, option);
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return value;
  throw new UsageError(`${option} "${value}" must be https (http only for localhost, 127.0.0.1 or [::1])`);
}

export function httpsUrl(value: string, option: string): string {
  if (parsed(value, option).protocol !== 'https:') throw new UsageError(`${option} "${value}" must be https`);
  return value;
}
