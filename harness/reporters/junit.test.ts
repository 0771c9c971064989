import { describe, expect, test } from 'vitest';
import { renderJunit } from './junit.ts';
import { CHECKS, NASTY, sampleResult } from './result.test-support.ts';

const ENTITY = /&(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
// XML 1.0 forbids these characters anywhere, escaped or not.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** A small well-formedness check: tags nest, attributes are quoted, every & starts an entity, no forbidden characters. */
function assertWellFormed(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  expect(FORBIDDEN.test(xml), 'a character XML 1.0 forbids').toBe(false);
  const body = xml.slice(xml.indexOf('?>') + 2);
  const stack: string[] = [];
  const checkAmpersands = (text: string) => {
    for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
      ENTITY.lastIndex = i;
      expect(ENTITY.test(text), `bare & in ${JSON.stringify(text.slice(i, i + 20))}`).toBe(true);
    }
  };
  for (const [token] of body.matchAll(/<[^>]*>|[^<]+/g)) {
    if (!token.startsWith('<')) {
      checkAmpersands(token);
      continue;
    }
    const tag = /^<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>$/.exec(token);
    expect(tag, `malformed tag ${token}`).not.toBeNull();
    const [, closing, name, attributes, selfClosing] = tag!;
    checkAmpersands(attributes!);
    if (closing) expect(stack.pop(), `</${name}> closes the wrong element`).toBe(name);
    else if (!selfClosing) stack.push(name!);
  }
  expect(stack).toEqual([]);
}

describe('renderJunit', () => {
  test('one testcase per check, counts in the suite, evidence in the failure body', () => {
    const xml = renderJunit(sampleResult());
    assertWellFormed(xml);
    expect(xml.match(/<testcase /g)).toHaveLength(CHECKS.length);
    expect(xml).toContain('<testsuites name="edge-chaos" tests="3" failures="1" skipped="1" time="5.123">');
    expect(xml).toMatch(/<testsuite name="edge-chaos.loop" tests="3" failures="1" skipped="1" errors="0"/);
    expect(xml).toContain('name="reconnects: At most 2 reconnect(s) per agent" time="0"></testcase>');

    const failure = /<failure message="([^"]*)" type="connection-loop">([^<]*)<\/failure>/.exec(xml);
    expect(failure).not.toBeNull();
    const body = failure![2]!;
    expect(body).toContain('evidence:');
    expect(body).toContain('&quot;agent&quot;: &quot;agent-2&quot;');
    expect(body).toContain('&quot;cycles&quot;: 4');
    expect(xml).toMatch(/<skipped message="[^"]+"\/>/);
  });

  test('escapes <, >, &, quotes and apostrophes in names, messages, bodies and properties', () => {
    const xml = renderJunit(sampleResult({ replay: `npm run scenario "it's <odd>" & more` }));
    assertWellFormed(xml);
    expect(xml).not.toContain(NASTY);
    expect(xml).toContain('&lt;script&gt;alert(&quot;x &amp; y&quot;)&lt;/script&gt; it&apos;s');
    expect(xml).toContain('name="hub-connections-replaced: Hub replaced at most 0 connection(s) &lt;metrics&gt;"');
    expect(xml).toContain('<property name="replay" value="npm run scenario &quot;it&apos;s &lt;odd&gt;&quot; &amp; more"/>');
    expect(xml).toContain('<property name="seed" value="7"/>');
    expect(xml).toContain('<property name="hubDefects" value="duplicate-ws-handler"/>');
  });

  test('a run with no checks is an empty, well-formed suite', () => {
    const xml = renderJunit(sampleResult({ checks: [] }));
    assertWellFormed(xml);
    expect(xml).toContain('tests="0" failures="0" skipped="0"');
  });

  // Bug: escapeXml handles the five markup characters but not control characters, which XML
  // 1.0 forbids even when escaped. A hub under test chooses its close reasons, and the loop
  // check's summary quotes them, so one odd reason (here a BEL) makes the whole junit.xml
  // unreadable to CI. Suspected fix in harness/reporters/junit.ts escapeXml: replace
  // [\u0000-\u0008\u000B\u000C\u000E-\u001F] with a visible stand-in such as \uFFFD or "\\u0007".
  test('stays well-formed when a check summary quotes a close reason with control characters', () => {
    const reason = 'bye\u0007\u0000';
    const xml = renderJunit(sampleResult({
      checks: [{ id: 'connection-loop', title: 'No connection loops', status: 'failed', summary: `closed with 1000 "${reason}"`, evidence: { reason } }],
    }));
    assertWellFormed(xml);
  });
});
