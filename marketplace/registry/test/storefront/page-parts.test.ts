/** The pieces pages are built from: escaping, the manifest tables, the `uses:` snippet, the session helpers. */
import { describe, expect, it } from 'vitest';
import { html, pathOf, queryString } from '../../src/page-shell/html.js';
import { inputsTable, manifestOf, runtimeOf, usesSnippet } from '../../src/storefront/pages/action-manifest.js';
import { localPath } from '../../src/page-shell/session.js';

describe('html tag', () => {
  it('escapes every interpolated value, and nests tagged fragments as they are', () => {
    const hostile = `"><script>alert(1)</script><a onclick='x'>`;
    const out = html`<p title="${hostile}">${hostile}${html`<b>${'&'}</b>`}${[1, html`<i>2</i>`]}</p>`.text;
    expect(out).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;a onclick=&#39;x&#39;&gt;">' +
        '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;a onclick=&#39;x&#39;&gt;<b>&amp;</b>1<i>2</i></p>',
    );
    expect(html`${undefined}${null}${false}`.text).toBe('');
  });

  it('encodes names and queries for URLs', () => {
    expect(pathOf('~alice/a b')).toBe('~alice/a%20b');
    expect(queryString({ q: 'a&b=c', page: 2, empty: '', none: undefined })).toBe('?q=a%26b%3Dc&page=2');
  });
});

describe('action manifest parts', () => {
  const spec = manifestOf({
    name: 'acme/x',
    version: '2.1.0',
    inputs: {
      'api-token': { type: 'string', secret: true, required: true },
      level: { type: 'string', enum: ['low', 'high'], required: true },
      path: { type: 'string', required: true, default: '.' },
      '<b>': { type: 'string', description: '<script>alert(1)</script>' },
    },
    runs: { image: 'alpine:3', command: 'sh', args: ['-c', 'echo <hi>'] },
    timeout: 60,
  });

  it('writes a snippet with the required inputs that have no default, secrets as secrets', () => {
    expect(usesSnippet('acme/x', '2.1.0', false, spec)).toBe(
      '- uses: acme/x@^2\n  with:\n    api-token: ${{ secrets.API_TOKEN }}\n    level: low',
    );
    expect(usesSnippet('acme/x', '2.1.0', true, spec).split('\n')[0]).toBe('- uses: acme/x@2.1.0');
    expect(usesSnippet('acme/x', '3.0.0-rc.1', false, {}).split('\n')[0]).toBe('- uses: acme/x@3.0.0-rc.1');
  });

  it('escapes what action.yml says in the inputs table and runtime', () => {
    const table = inputsTable(spec).text;
    expect(table).toContain('<code>&lt;b&gt;</code>');
    expect(table).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(table).toContain('<code>low</code>, <code>high</code>');
    expect(table).not.toContain('<script>');
    const runtime = runtimeOf(spec).text;
    expect(runtime).toContain('image <code>alpine:3</code>');
    expect(runtime).toContain('command <code>sh -c echo &lt;hi&gt;</code>');
    expect(runtime).toContain('timeout 60 s');
  });

  it('shows an odd stored manifest as absent parts, never a crash', () => {
    for (const odd of [null, 'text', [], { inputs: 'x', outputs: [], runs: 5 }]) {
      const m = manifestOf(odd);
      expect(inputsTable(m).text).toContain('takes no inputs');
      expect(runtimeOf(m).text).toContain('not given');
      expect(usesSnippet('acme/x', '1.0.0', false, m)).toBe('- uses: acme/x@^1');
    }
  });
});

describe('login redirect target', () => {
  it('accepts only paths of this site', () => {
    expect(localPath('/actions/acme/x?v=1')).toBe('/actions/acme/x?v=1');
    for (const bad of [undefined, '', 'https://evil.example', '//evil.example', '/\\evil.example', 'javascript:x'])
      expect(localPath(bad)).toBe('/');
  });
});
