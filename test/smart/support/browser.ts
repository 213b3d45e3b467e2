// A minimal browser for the SMART page tests: real HTTP (fetch), a cookie jar that honours Path and Max-Age,
// redirects followed by hand within the server's origin (an app's redirect or launch URI is only read, never
// fetched), and the pages' forms read from their HTML (action, hidden inputs, radio and checkbox values).

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  body: string;
  /** Location of a redirect, resolved against the request URL. */
  location?: string;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#96;': '`' };

export function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#96);/g, (e) => ENTITIES[e]);
}

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? unescapeHtml(m[1]) : undefined;
}

export interface PageFormFields {
  action: string;
  method: string;
  /** Hidden inputs and the values of the checked boxes and radios, by name. */
  fields: Record<string, string[]>;
  /** Every checkbox and radio value on the form, by name. */
  options: Record<string, string[]>;
}

/** The forms of a page, in order. */
export function formsOf(html: string): PageFormFields[] {
  const forms: PageFormFields[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const form: PageFormFields = { action: attribute(m[1], 'action') ?? '', method: (attribute(m[1], 'method') ?? 'get').toLowerCase(), fields: {}, options: {} };
    for (const input of m[2].matchAll(/<input\b[^>]*>/g)) {
      const tag = input[0];
      const name = attribute(tag, 'name');
      if (!name) continue;
      const type = attribute(tag, 'type') ?? 'text';
      const value = attribute(tag, 'value') ?? '';
      if (type === 'checkbox' || type === 'radio') {
        (form.options[name] ??= []).push(value);
        if (/\schecked\b/.test(tag)) (form.fields[name] ??= []).push(value);
      } else if (type === 'hidden') {
        (form.fields[name] ??= []).push(value);
      }
    }
    forms.push(form);
  }
  return forms;
}

/** The form (POST unless said otherwise) whose action ends with `suffix`. */
export function formEndingWith(page: Page, suffix: string, method = 'post'): PageFormFields {
  const form = formsOf(page.body).find((f) => f.action.endsWith(suffix) && f.method === method);
  if (!form) throw new Error(`No form ending with ${suffix} on ${page.url} (${page.status}):\n${page.body}`);
  return form;
}

export class Browser {
  private readonly cookies: StoredCookie[] = [];

  constructor(readonly origin: string) {}

  /** The cookies this browser would send to `url`. */
  cookieHeader(url: string): string {
    const path = new URL(url).pathname;
    return this.cookies.filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map((c) => `${c.name}=${c.value}`).join('; ');
  }

  cookie(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name)?.value;
  }

  private store(url: string, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = new URL(url).pathname.replace(/\/[^/]*$/, '') || '/';
      let gone = value === '';
      for (const attr of attrs) {
        const [k, v] = attr.split('=');
        if (k.toLowerCase() === 'path' && v) path = v;
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) gone = true;
        if (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now()) gone = true;
      }
      const i = this.cookies.findIndex((c) => c.name === name && c.path === path);
      if (i >= 0) this.cookies.splice(i, 1);
      if (!gone) this.cookies.push({ name, value, path });
    }
  }

  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Page> {
    const absolute = new URL(url, this.origin).toString();
    const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]))).toString() : undefined;
    const cookie = this.cookieHeader(absolute);
    // An empty value leaves the header out (a form post without Origin, as older browsers send).
    const sent = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ''));
    const res = await fetch(absolute, {
      method, redirect: 'manual', body,
      headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...sent },
    });
    this.store(absolute, res.headers);
    const location = res.headers.get('location');
    return { url: absolute, status: res.status, headers: res.headers, body: await res.text(), location: location ? new URL(location, absolute).toString() : undefined };
  }

  get(url: string): Promise<Page> {
    return this.request('GET', url);
  }

  post(url: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Page> {
    return this.request('POST', url, form, { origin: this.origin, ...headers });
  }

  /** Follows redirects within the server's origin; stops at a page, or at a redirect that leaves the server. */
  async follow(page: Page): Promise<Page> {
    let current = page;
    for (let i = 0; i < 10 && current.location && new URL(current.location).origin === this.origin; i++) {
      current = await this.get(current.location);
    }
    return current;
  }

  /** Submits a page form with its own hidden fields and checked boxes, changed by `changes`, then follows redirects. */
  async submit(page: Page, actionSuffix: string, changes: Record<string, string | string[]> = {}): Promise<Page> {
    const form = formEndingWith(page, actionSuffix);
    return this.follow(await this.post(form.action, { ...form.fields, ...changes }));
  }
}
