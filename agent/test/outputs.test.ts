import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOutputsInto } from '../src/output-files.js';
import { OUTPUT_TOTAL_LIMIT, OUTPUT_VALUE_LIMIT, OutputStore } from '../src/output-store.js';
import { parseMetafile, parseOutputsFile } from '../src/outputs-file.js';

describe('outputs file (GitHub semantics)', () => {
  it('reads name=value and heredocs, keeping values untrimmed', () => {
    const r = parseOutputsFile('\uFEFFa=1\nb= spaced \r\nc<<EOF\nline 1\n\nx=y\nEOF\nd=a<<b\ne<<x=y\nv\nx=y\n', 'out');
    expect(r.error).toBeUndefined();
    expect(r.pairs.map((p) => [p.name, p.value])).toEqual([
      ['a', '1'],
      ['b', ' spaced '],
      ['c', 'line 1\n\nx=y'],
      ['d', 'a<<b'],
      ['e', 'v'],
    ]);
  });

  it('names the line of a heredoc that is never closed, and keeps the pairs before it', () => {
    const r = parseOutputsFile('a=1\nb<<EOF\nvalue\nEOF2\n', 'CARAVAN_OUTPUT');
    expect(r.pairs.map((p) => p.name)).toEqual(['a']);
    expect(r.error).toMatch(/^CARAVAN_OUTPUT:2: the heredoc for "b" is never closed/);
  });

  it('rejects lines without a name or a form', () => {
    expect(parseOutputsFile('=x\n', 'f').error).toMatch(/^f:1: .*no name/);
    expect(parseOutputsFile('ok=1\njust text\n', 'f').error).toMatch(/^f:2: expected name=value/);
    expect(parseOutputsFile('<<EOF\nx\nEOF\n', 'f').error).toMatch(/^f:1: the heredoc has no name/);
    expect(parseOutputsFile('n<<\nx\n', 'f').error).toMatch(/no delimiter/);
  });
});

describe("Erda's metafile", () => {
  it('reads k=v lines and the JSON form', () => {
    expect(parseMetafile('a=1\n\nb=x=y\n', 'M').pairs.map((p) => [p.name, p.value])).toEqual([
      ['a', '1'],
      ['b', 'x=y'],
    ]);
    const json = parseMetafile('{"metadata":[{"name":"image","value":"r/a:1"},{"name":"n","value":3}]}', 'M');
    expect(json.pairs.map((p) => [p.name, p.value])).toEqual([
      ['image', 'r/a:1'],
      ['n', '3'],
    ]);
  });

  it('gives clear errors on broken JSON and bad lines', () => {
    expect(parseMetafile('{"metadata":', 'M').error).toMatch(/^M: not valid JSON/);
    expect(parseMetafile('{"metadata":{}}', 'M').error).toMatch(/must be a list/);
    expect(parseMetafile('{"metadata":[{"value":1}]}', 'M').error).toMatch(/metadata\[0\]\.name/);
    expect(parseMetafile('novalue\n', 'M').error).toMatch(/^M:1: expected key=value/);
  });
});

describe('OutputStore', () => {
  it('lets a later value win and validates names', () => {
    const s = new OutputStore();
    expect(s.set('a', '1', 'here')).toBe(true);
    expect(s.set('a', '2', 'there')).toBe(true);
    expect(s.get('a')).toBe('2');
    expect(s.set('bad name', 'x', 'file:3')).toBe(false);
    expect(s.errors[0]!.message).toMatch(/^file:3: "bad name" is not a valid output name/);
  });

  it('refuses a value over the per-value limit with a clear error, never truncating', () => {
    const s = new OutputStore();
    expect(s.set('big', 'x'.repeat(OUTPUT_VALUE_LIMIT + 1), 'stdout line 9')).toBe(false);
    expect(s.get('big')).toBeUndefined();
    expect(s.errors[0]!.message).toMatch(/stdout line 9: output "big" is 1048577 bytes, over the limit/);
  });

  it('counts the total by final values: replacing a value frees its bytes', () => {
    const s = new OutputStore();
    const mb = 'x'.repeat(OUTPUT_VALUE_LIMIT);
    for (let i = 0; i < OUTPUT_TOTAL_LIMIT / OUTPUT_VALUE_LIMIT; i++) expect(s.set(`v${i}`, mb, 'w')).toBe(true);
    expect(s.set('one-more', 'x', 'w')).toBe(false);
    expect(s.errors[0]!.message).toMatch(/over the limit of 4194304 bytes in total/);
    expect(s.set('v0', 'small', 'w')).toBe(true);
    expect(s.set('one-more', 'x', 'w')).toBe(true);
  });

  it('checks declared output types', () => {
    const s = new OutputStore();
    s.set('n', '12.5', 'w');
    s.set('b', 'yes', 'w');
    s.set('j', '{"a":', 'w');
    s.set('extra', 'x', 'w');
    const warnings = s.checkTypes({ n: { type: 'number' }, b: { type: 'boolean' }, j: { type: 'json' } });
    expect(s.errors.map((e) => e.message)).toEqual([
      'output "b" is declared as boolean but its value is not "true" or "false"',
      'output "j" is declared as json but its value is not valid JSON',
    ]);
    expect(warnings[0]).toMatch(/"extra" is not declared/);
  });
});

describe('OutputStore.checkTypes', () => {
  it('warns about an undeclared output unless the action declares dynamic outputs; types are checked either way', () => {
    const store = new OutputStore();
    store.set('extra', 'x', 'test');
    store.set('count', 'many', 'test');
    expect(store.checkTypes({ count: { type: 'number' } })).toEqual([
      'output "extra" is not declared in the action\'s outputs (declared: count)',
    ]);
    const dynamic = new OutputStore();
    dynamic.set('extra', 'x', 'test');
    dynamic.set('count', 'many', 'test');
    expect(dynamic.checkTypes({ count: { type: 'number' } }, true)).toEqual([]);
    expect(dynamic.errors[0]?.message).toMatch(/output "count" is declared as number/);
  });
});

describe('readOutputsInto (the files after the action ends)', () => {
  const read = (setUp: (path: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'outputs-'));
    try {
      const path = join(dir, 'outputs');
      setUp(path);
      const store = new OutputStore();
      const set: string[] = [];
      readOutputsInto(store, path, 'CARAVAN_OUTPUT', parseOutputsFile, (name) => set.push(name));
      return { store, set };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('reads a regular file into the store', () => {
    const { store, set } = read((path) => writeFileSync(path, 'a=1\nb<<E\nx\nE\n'));
    expect(store.toObject((v) => v)).toEqual({ a: '1', b: 'x' });
    expect(set).toEqual(['a', 'b']);
  });

  it('treats a missing file as no outputs', () => {
    const { store } = read(() => undefined);
    expect(store.errors).toEqual([]);
    expect(store.toObject((v) => v)).toEqual({});
  });

  it('refuses a FIFO put in its place instead of blocking on it', () => {
    const { store } = read((path) => expect(spawnSync('mkfifo', [path]).status).toBe(0));
    expect(store.errors[0]?.message).toMatch(/CARAVAN_OUTPUT: .* is not a regular file/);
  });

  it('does not read a file far past the limits', () => {
    const { store } = read((path) => writeFileSync(path, 'a='.padEnd(2 * OUTPUT_TOTAL_LIMIT + 10, 'x')));
    expect(store.errors[0]?.message).toMatch(/over twice the .*-byte limit/);
  });
});
