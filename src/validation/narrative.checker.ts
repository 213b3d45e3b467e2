// Narrative.div rules: XHTML namespace, the txt-1 allow-list (a security control) and txt-2. https://hl7.org/fhir/R4/narrative.html#rules
import { IssueSink } from './issue.sink';
import { tokenizeXhtml, XhtmlAttribute } from './xhtml.tokenizer';

const XHTML_NS = 'http://www.w3.org/1999/xhtml';

/** HTML 4.0 chapters 7-11 and 12 (anchors only), font-style elements, images and image maps. */
const ELEMENTS = new Set([
  'p', 'br', 'div', 'span', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'address', 'hr',
  'a', 'b', 'i', 'em', 'strong', 'small', 'big', 'tt', 'dfn', 'q', 'var', 'abbr', 'acronym', 'cite', 'kbd', 'samp',
  'code', 'pre', 'blockquote', 'bdo', 'sub', 'sup',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'caption', 'colgroup', 'col', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td',
  'img', 'map', 'area',
]);

const GLOBAL_ATTRIBUTES = new Set(['id', 'class', 'style', 'title', 'lang', 'xml:lang', 'dir', 'accesskey', 'tabindex']);
const CELL_ATTRIBUTES = ['align', 'valign', 'char', 'charoff', 'span', 'width', 'height', 'abbr', 'axis', 'headers', 'scope', 'rowspan', 'colspan', 'nowrap'];

const ELEMENT_ATTRIBUTES: Record<string, ReadonlySet<string>> = {
  a: new Set(['href', 'name', 'rel', 'rev', 'hreflang', 'type', 'charset', 'shape', 'coords']),
  img: new Set(['src', 'alt', 'longdesc', 'height', 'width', 'usemap', 'ismap', 'border']),
  table: new Set(['summary', 'width', 'border', 'frame', 'rules', 'cellspacing', 'cellpadding', 'align']),
  ol: new Set(['start', 'type']),
  ul: new Set(['type']),
  li: new Set(['value', 'type']),
  blockquote: new Set(['cite']),
  q: new Set(['cite']),
  map: new Set(['name']),
  area: new Set(['shape', 'coords', 'href', 'nohref', 'alt']),
  pre: new Set(['width']),
  p: new Set(['align']),
  div: new Set(['align']),
};
for (const el of ['col', 'colgroup', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption']) ELEMENT_ATTRIBUTES[el] = new Set(CELL_ATTRIBUTES);

const URL_ATTRIBUTES = new Set(['href', 'src', 'cite', 'longdesc', 'usemap']);
const UNSAFE_SCHEME = /^(?:javascript|vbscript|livescript|mocha):/;
// Backslashes are CSS escapes, which could spell any of the other patterns.
const UNSAFE_STYLE = /javascript:|vbscript:|expression\s*\(|behavior\s*:|-moz-binding|@import|\\/i;
// HTML named entities XML does not define (&Tab;, &colon;...) would be decoded by an HTML renderer.
const HTML_ONLY_ENTITY = /&[A-Za-z][A-Za-z0-9]*;/;

/** Scheme check on the decoded URL with whitespace and control characters removed, as browsers do. */
function isUnsafeUrl(attr: XhtmlAttribute, element: string): boolean {
  const url = attr.value.replace(/[\u0000-\u0020\u007f]+/g, '').toLowerCase();
  if (HTML_ONLY_ENTITY.test(url)) return true;
  if (UNSAFE_SCHEME.test(url)) return true;
  // data: URLs can carry HTML documents; they are only acceptable as inline images.
  return url.startsWith('data:') && !(element === 'img' && attr.name === 'src' && url.startsWith('data:image/'));
}

class NarrativeRules {
  private hasContent = false;

  constructor(private readonly path: string, private readonly sink: IssueSink) {}

  run(div: string): void {
    const { tokens, error } = tokenizeXhtml(div);
    if (error) {
      this.sink.error('narrative-malformed', `The narrative is not well-formed XHTML: ${error}`, this.path);
      return;
    }
    const first = tokens.findIndex((t) => t.kind !== 'text' || t.text.trim() !== '');
    const root = tokens[first];
    if (!root || root.kind !== 'open' || root.name !== 'div') {
      this.sink.error('narrative-namespace', 'The narrative must be a single <div> element in the XHTML namespace', this.path);
      return;
    }
    if (!root.attrs.some((a) => a.name === 'xmlns')) { // a wrong value is reported with the other attributes
      this.sink.error('narrative-namespace', `The narrative <div> must declare xmlns="${XHTML_NS}"`, this.path);
    }
    const stack: string[] = [];
    for (let i = first; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.kind === 'text') {
        if (stack.length === 0 && t.text.trim() !== '') return this.malformed('Text after the closing </div>');
        if (t.text.trim() !== '') this.hasContent = true;
      } else if (t.kind === 'open') {
        if (stack.length === 0 && i !== first) return this.malformed('Content after the closing </div>');
        this.element(t.name, t.attrs);
        if (!t.selfClosing) stack.push(t.name);
      } else {
        if (stack.pop() !== t.name) return this.malformed(`Unexpected closing tag </${t.name}>`);
      }
    }
    if (stack.length > 0) return this.malformed(`Element <${stack[stack.length - 1]}> is not closed`);
    if (!this.hasContent) {
      this.sink.error('narrative-empty', 'Constraint txt-2 failed: the narrative SHALL have some non-whitespace content', this.path);
    }
  }

  private malformed(message: string): void {
    this.sink.error('narrative-malformed', `The narrative is not well-formed XHTML: ${message}`, this.path);
  }

  private element(name: string, attrs: XhtmlAttribute[]): void {
    if (!ELEMENTS.has(name)) {
      this.sink.error('narrative-element-not-allowed', `Constraint txt-1 failed: the element <${name}> is not allowed in a narrative`, this.path);
    }
    if (name === 'img') this.hasContent = true;
    for (const attr of attrs) this.attribute(name, attr);
  }

  private attribute(element: string, attr: XhtmlAttribute): void {
    const name = attr.name;
    if (name === 'xmlns') {
      if (attr.value !== XHTML_NS) this.sink.error('narrative-namespace', `<${element}> declares a namespace other than XHTML`, this.path);
      return;
    }
    const lower = name.toLowerCase();
    if (lower.startsWith('on')) {
      this.sink.error('narrative-attribute-not-allowed', `Constraint txt-1 failed: event handler attribute '${name}' on <${element}> is not allowed`, this.path);
      return;
    }
    if (!GLOBAL_ATTRIBUTES.has(name) && !ELEMENT_ATTRIBUTES[element]?.has(name)) {
      this.sink.error('narrative-attribute-not-allowed', `Constraint txt-1 failed: attribute '${name}' is not allowed on <${element}>`, this.path);
      return;
    }
    if (URL_ATTRIBUTES.has(name) && isUnsafeUrl(attr, element)) {
      this.sink.error('narrative-unsafe-url', `Constraint txt-1 failed: the ${name} of <${element}> uses a script or data URL`, this.path);
    } else if (name === 'style' && UNSAFE_STYLE.test(attr.value)) {
      this.sink.error('narrative-unsafe-url', `Constraint txt-1 failed: the style of <${element}> contains script`, this.path);
    }
  }
}

/** Checks one Narrative.div value (already known to be a non-empty string). */
export function checkNarrative(div: string, path: string, sink: IssueSink): void {
  new NarrativeRules(path, sink).run(div);
}
