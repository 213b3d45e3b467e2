// Unit tests: narrative XHTML namespace, well-formedness, the txt-1 allow-list (security) and txt-2.
import { IssueSink } from './issue.sink';
import { checkNarrative } from './narrative.checker';
import { validateResource } from './resource.validator';

const NS = 'xmlns="http://www.w3.org/1999/xhtml"';

/** The error codes reported for one div. */
function codes(div: string): (string | undefined)[] {
  const sink = new IssueSink();
  checkNarrative(div, 'Patient.text.div', sink);
  return sink.issues.map((i) => i.details?.coding?.[0]?.code);
}

describe('narrative checker', () => {
  it.each([
    [`<div ${NS}>plain text</div>`],
    [`<div ${NS}><p>a <b>b</b> <i>c</i><br/>&amp; &lt; &#160; &#x41; &nbsp;</p></div>`],
    [`<div ${NS}><table class="grid" border="1"><tr><td colspan="2" style="color: red">x</td></tr></table></div>`],
    [`<div ${NS}><a href="http://example.org/x?a=1&amp;b=2" name="n">link</a><a href="#frag">f</a></div>`],
    [`<div ${NS}><img src="data:image/png;base64,AAAA" alt="i"/></div>`],
    [`<div ${NS}><!-- a comment --><ul><li>x</li></ul></div>`],
    [`\n  <div ${NS} xml:lang="en" lang="en"><div ${NS}>nested</div></div>\n`],
  ])('accepts %s', (div) => {
    expect(codes(div)).toEqual([]);
  });

  it.each([
    ['a missing namespace', '<div>x</div>', 'narrative-namespace'],
    ['a wrong namespace', '<div xmlns="http://example.org">x</div>', 'narrative-namespace'],
    ['a root other than div', `<p ${NS}>x</p>`, 'narrative-namespace'],
    ['plain text', 'just text', 'narrative-namespace'],
    ['an unclosed element', `<div ${NS}><p>x</div>`, 'narrative-malformed'],
    ['an unclosed root', `<div ${NS}>x`, 'narrative-malformed'],
    ['an unquoted attribute', `<div ${NS}><p class=x>y</p></div>`, 'narrative-malformed'],
    ['a bare ampersand', `<div ${NS}>a & b</div>`, 'narrative-malformed'],
    ['content after the root', `<div ${NS}>x</div><p>y</p>`, 'narrative-malformed'],
    ['a CDATA section', `<div ${NS}><![CDATA[><script>alert(1)</script>]]></div>`, 'narrative-malformed'],
    ['a DOCTYPE', `<!DOCTYPE html><div ${NS}>x</div>`, 'narrative-malformed'],
    ['a comment HTML would close early', `<div ${NS}>x<!--><script>alert(1)</script>--></div>`, 'narrative-malformed'],
    ['a comment containing --', `<div ${NS}>x<!-- a -- b --></div>`, 'narrative-malformed'],
    ['whitespace-only content (txt-2)', `<div ${NS}> \n </div>`, 'narrative-empty'],
  ])('rejects %s', (_label, div, code) => {
    expect(codes(div)).toEqual([code]);
  });

  it.each([
    ['<script>', `<div ${NS}>x<script>alert(1)</script></div>`, 'narrative-element-not-allowed'],
    ['<iframe>', `<div ${NS}>x<iframe></iframe></div>`, 'narrative-element-not-allowed'],
    ['<form>', `<div ${NS}>x<form></form></div>`, 'narrative-element-not-allowed'],
    ['<object>', `<div ${NS}>x<object></object></div>`, 'narrative-element-not-allowed'],
    ['<style>', `<div ${NS}>x<style>p {}</style></div>`, 'narrative-element-not-allowed'],
    ['<svg>', `<div ${NS}>x<svg></svg></div>`, 'narrative-element-not-allowed'],
    ['<SCRIPT> (case)', `<div ${NS}>x<SCRIPT>alert(1)</SCRIPT></div>`, 'narrative-element-not-allowed'],
    ['onclick', `<div ${NS}><p onclick="alert(1)">x</p></div>`, 'narrative-attribute-not-allowed'],
    ['ONLOAD (case)', `<div ${NS}><img src="a.png" ONLOAD="alert(1)"/></div>`, 'narrative-attribute-not-allowed'],
    ['an unknown attribute', `<div ${NS}><p formaction="x">x</p></div>`, 'narrative-attribute-not-allowed'],
    ['xlink:href', `<div ${NS}><a xlink:href="x">x</a></div>`, 'narrative-attribute-not-allowed'],
    ['href="javascript:"', `<div ${NS}><a href="javascript:alert(1)">x</a></div>`, 'narrative-unsafe-url'],
    ['href with leading space and case', `<div ${NS}><a href=" JavaScript:alert(1)">x</a></div>`, 'narrative-unsafe-url'],
    ['href with an encoded scheme', `<div ${NS}><a href="&#106;avascript:alert(1)">x</a></div>`, 'narrative-unsafe-url'],
    ['href with an encoded tab', `<div ${NS}><a href="java&#9;script:alert(1)">x</a></div>`, 'narrative-unsafe-url'],
    ['href with an HTML-only entity', `<div ${NS}><a href="java&Tab;script:alert(1)">x</a></div>`, 'narrative-unsafe-url'],
    ['href="vbscript:"', `<div ${NS}><a href="vbscript:x">x</a></div>`, 'narrative-unsafe-url'],
    ['href="data:text/html"', `<div ${NS}><a href="data:text/html,&lt;script&gt;">x</a></div>`, 'narrative-unsafe-url'],
    ['img src="javascript:"', `<div ${NS}><img src="javascript:alert(1)"/></div>`, 'narrative-unsafe-url'],
    ['style with expression()', `<div ${NS}><p style="width: expression(alert(1))">x</p></div>`, 'narrative-unsafe-url'],
    ['style with a javascript: url', `<div ${NS}><p style="background: url(javascript:alert(1))">x</p></div>`, 'narrative-unsafe-url'],
    ['style with CSS escapes', `<div ${NS}><p style="background: url(j\\61vascript:x)">x</p></div>`, 'narrative-unsafe-url'],
  ])('rejects %s (security)', (_label, div, code) => {
    expect(codes(div)).toContain(code);
  });

  it('reports security issues as errors of type security at the div', () => {
    const div = `<div ${NS}><p onclick="alert(1)">x</p></div>`;
    const issues = validateResource({ resourceType: 'Patient', text: { status: 'generated', div } });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'security', expression: ['Patient.text.div'] });
  });

  it('rejects an _div sibling and a non-string div', () => {
    const codesOf = (text: object): (string | undefined)[] =>
      validateResource({ resourceType: 'Patient', text: { status: 'generated', ...text } })
        .filter((i) => i.severity === 'error')
        .map((i) => i.details?.coding?.[0]?.code);
    expect(codesOf({ div: `<div ${NS}>x</div>`, _div: { id: 'd' } })).toEqual(['unknown-element']);
    expect(codesOf({ div: 5 })).toEqual(['wrong-type']);
    expect(codesOf({})).toEqual(['cardinality-min']);
  });
});
