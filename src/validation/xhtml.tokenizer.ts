// A small, strict XML tokenizer for narrative XHTML (no DTD, no external entities). https://www.w3.org/TR/xml/#sec-documents
export interface XhtmlAttribute {
  readonly name: string;
  /** Entity-decoded value, so that encoded schemes (&#106;avascript:) are caught. */
  readonly value: string;
}

export type XhtmlToken =
  | { readonly kind: 'open'; readonly name: string; readonly attrs: XhtmlAttribute[]; readonly selfClosing: boolean }
  | { readonly kind: 'close'; readonly name: string }
  | { readonly kind: 'text'; readonly text: string };

export interface TokenizeResult {
  readonly tokens: XhtmlToken[];
  /** Set when the input is not well-formed; tokens then hold what was read before the problem. */
  readonly error?: string;
}

const NAME = /[A-Za-z_:][A-Za-z0-9_:.\-]*/y;
const SPACE = /[ \t\r\n]*/y;
const ENTITY = /&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});/y;
const BASIC_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

class MalformedXhtml extends Error {}

/** Decodes character references and the predefined entities; other named entities are left as written. */
export function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);/g, (whole, body: string) => {
    if (body.charCodeAt(0) !== 35 /* # */) return BASIC_ENTITIES[body] ?? whole;
    const code = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

class Tokenizer {
  private pos = 0;
  readonly tokens: XhtmlToken[] = [];

  constructor(private readonly src: string) {}

  run(): void {
    const src = this.src;
    while (this.pos < src.length) {
      const lt = src.indexOf('<', this.pos);
      const end = lt < 0 ? src.length : lt;
      if (end > this.pos) this.text(end);
      if (lt < 0) break;
      this.markup();
    }
  }

  private fail(message: string): never {
    throw new MalformedXhtml(`${message} (at character ${this.pos})`);
  }

  private text(end: number): void {
    const raw = this.src.slice(this.pos, end);
    this.checkAmpersands(raw);
    this.tokens.push({ kind: 'text', text: decodeEntities(raw) });
    this.pos = end;
  }

  private checkAmpersands(raw: string): void {
    for (let i = raw.indexOf('&'); i >= 0; i = raw.indexOf('&', i + 1)) {
      ENTITY.lastIndex = i;
      if (!ENTITY.test(raw)) this.fail("An '&' is not part of a character or entity reference");
    }
  }

  private markup(): void {
    const src = this.src;
    if (src.startsWith('<!--', this.pos)) {
      this.comment();
    } else if (src.startsWith('<![CDATA[', this.pos)) {
      // An HTML parser ends CDATA at the first '>', exposing what follows as markup: never accept it.
      this.fail('CDATA sections are not allowed in a narrative');
    } else if (src.startsWith('<!', this.pos) || src.startsWith('<?', this.pos)) {
      this.fail('Document type declarations and processing instructions are not allowed');
    } else if (src.startsWith('</', this.pos)) {
      this.pos += 2;
      const name = this.name();
      this.space();
      this.expect('>');
      this.tokens.push({ kind: 'close', name });
    } else {
      this.pos += 1;
      this.openTag();
    }
  }

  /**
   * XML forbids '--' inside comments; also rejected: '<!-->' and '<!--->', which HTML parsers treat as a
   * complete comment, so a narrative rendered as HTML would run what XML saw as comment text.
   */
  private comment(): void {
    const start = this.pos + 4;
    const close = this.src.indexOf('-->', start);
    if (close < 0) this.fail('Unterminated comment');
    const body = this.src.slice(start, close);
    if (body.includes('--') || body.startsWith('>') || body.startsWith('->') || body.endsWith('-')) {
      this.fail("A comment must not contain '--' or start with '>'");
    }
    this.pos = close + 3;
  }

  private openTag(): void {
    const name = this.name();
    const attrs: XhtmlAttribute[] = [];
    for (;;) {
      const hadSpace = this.space();
      if (this.src.startsWith('/>', this.pos)) {
        this.pos += 2;
        this.tokens.push({ kind: 'open', name, attrs, selfClosing: true });
        return;
      }
      if (this.src[this.pos] === '>') {
        this.pos += 1;
        this.tokens.push({ kind: 'open', name, attrs, selfClosing: false });
        return;
      }
      if (!hadSpace) this.fail(`Expected whitespace, '>' or '/>' in <${name}>`);
      const attrName = this.name();
      if (attrs.some((a) => a.name === attrName)) this.fail(`Duplicate attribute '${attrName}' on <${name}>`);
      this.space();
      this.expect('=');
      this.space();
      attrs.push({ name: attrName, value: this.attrValue() });
    }
  }

  private attrValue(): string {
    const quote = this.src[this.pos];
    if (quote !== '"' && quote !== "'") this.fail('Attribute values must be quoted');
    const close = this.src.indexOf(quote, this.pos + 1);
    if (close < 0) this.fail('Unterminated attribute value');
    const raw = this.src.slice(this.pos + 1, close);
    if (raw.includes('<')) this.fail("'<' is not allowed in an attribute value");
    this.checkAmpersands(raw);
    this.pos = close + 1;
    return decodeEntities(raw);
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.src);
    if (!m) this.fail('Expected an element or attribute name');
    this.pos += m[0].length;
    return m[0];
  }

  private space(): boolean {
    SPACE.lastIndex = this.pos;
    const m = SPACE.exec(this.src);
    const n = m ? m[0].length : 0;
    this.pos += n;
    return n > 0;
  }

  private expect(ch: string): void {
    if (this.src[this.pos] !== ch) this.fail(`Expected '${ch}'`);
    this.pos += 1;
  }
}

/** Splits XHTML into tags and text; stops at the first well-formedness problem. */
export function tokenizeXhtml(src: string): TokenizeResult {
  const t = new Tokenizer(src);
  try {
    t.run();
    return { tokens: t.tokens };
  } catch (e) {
    if (e instanceof MalformedXhtml) return { tokens: t.tokens, error: e.message };
    throw e;
  }
}
