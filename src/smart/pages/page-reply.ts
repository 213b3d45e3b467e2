// Sends a page with the strict page headers (PAGE_HEADERS). A form whose answer redirects to an app (consent,
// sign-in, the launcher) needs that app's origin in the CSP form-action directive, because browsers apply
// form-action to every redirect that follows a submission; only origins parsed from registered URIs are added.
// https://www.w3.org/TR/CSP3/#directive-form-action
import type { FastifyReply } from 'fastify';
import { Html, PAGE_HEADERS } from './html';

/** The http(s) origin of a URI, or undefined; what CSP gets can hold no separator. */
export function originOf(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  try {
    const url = new URL(uri);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

export function pageHeaders(formTargets: (string | undefined)[] = []): Record<string, string> {
  const extra = [...new Set(formTargets.filter((o): o is string => typeof o === 'string' && /^https?:\/\/[^\s;,']+$/.test(o)))];
  if (extra.length === 0) return { ...PAGE_HEADERS };
  const csp = PAGE_HEADERS['content-security-policy'].replace("form-action 'self'", `form-action 'self' ${extra.join(' ')}`);
  return { ...PAGE_HEADERS, 'content-security-policy': csp };
}

export interface PageOptions {
  /** Origins a form on this page may end up at after redirects. */
  formTargets?: (string | undefined)[];
  headers?: Record<string, string>;
}

export function sendPage(reply: FastifyReply, status: number, body: string | Html, options: PageOptions = {}): void {
  reply.status(status).headers({ ...pageHeaders(options.formTargets), ...(options.headers ?? {}) }).send(String(body));
}

/** A 303 See Other after a form POST, with the same no-store headers as the pages. */
export function sendSeeOther(reply: FastifyReply, location: string, headers: Record<string, string> = {}): void {
  const { 'content-type': _type, ...rest } = PAGE_HEADERS;
  reply.status(303).headers({ ...rest, ...headers, location }).send();
}
