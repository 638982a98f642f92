import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, errorMessages, runAction } from '../../test-helpers.js';

beforeAll(buildAgent);

const doc = { build: { version: '1.4.2', ok: true, size: 1024, files: ['a.js', 'b.js'], 'odd key': 'x' } };

describe('caravan/json-parse under the agent', () => {
  it('extracts values from JSON text into outputs', async () => {
    const run = await runAction('json-parse', {
      json: JSON.stringify(doc),
      path: '$.build.version',
      extract: {
        ok: '$.build.ok',
        last: '$.build.files[-1]',
        files: '$.build.files',
        odd: "$.build['odd key']",
        count: 'build.files.length',
      },
    });
    expect(run.exitCode).toBe(0);
    expect(run.report.outputs).toMatchObject({
      value: '1.4.2',
      ok: 'true',
      last: 'b.js',
      files: '["a.js","b.js"]',
      odd: 'x',
      count: '2',
    });
  });

  it('reads a JSON file from the workspace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'caravan-json-'));
    writeFileSync(join(dir, 'package.json'), '\uFEFF{"name":"demo","version":"0.1.0"}');
    const run = await runAction('json-parse', { file: 'package.json', path: '$.version' }, { workdir: dir });
    expect(run.report.outputs.value).toBe('0.1.0');
  });

  it('names where a path stops, and accepts missing values when asked', async () => {
    const run = await runAction('json-parse', { json: JSON.stringify(doc), extract: { v: '$.build.nope' } });
    expect(run.exitCode).not.toBe(0);
    expect(errorMessages(run)).toMatch(
      /JSON path "\$\.build\.nope" \(output v\) not found: \$\.build has no key "nope" \(keys: version, ok, size, files, odd key\)/,
    );
    const lenient = await runAction('json-parse', {
      json: JSON.stringify(doc),
      path: '$.build.files[9]',
      'allow-missing': true,
    });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.report.outputs.value).toBe('');
  });

  it('rejects malformed JSON, bad paths and missing inputs clearly', async () => {
    expect(errorMessages(await runAction('json-parse', { json: '{"a": ', path: '$.a' }))).toMatch(
      /input "json" is not valid JSON/,
    );
    expect(errorMessages(await runAction('json-parse', { json: '{}', path: '$.a[' }))).toMatch(
      /bad JSON path "\$\.a\[" .*"\[" is not closed/,
    );
    expect(errorMessages(await runAction('json-parse', { json: '{}' }))).toMatch(/nothing to extract/);
    expect(errorMessages(await runAction('json-parse', { path: '$.a' }))).toMatch(
      /input "json" or input "file" is required/,
    );
    expect(errorMessages(await runAction('json-parse', { file: 'absent.json', path: '$.a' }))).toMatch(
      /cannot read file .*absent\.json: it does not exist/,
    );
    expect(errorMessages(await runAction('json-parse', { json: '{}', extract: { a: 5 } }))).toMatch(
      /extract "a" must be a JSON path string/,
    );
  });

  it('reads a huge single-line document from a file, and a 100 KB one inline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'caravan-json-'));
    const big = { items: Array.from({ length: 200_000 }, (_, i) => ({ i, name: `item-${i}` })) };
    writeFileSync(join(dir, 'big.json'), JSON.stringify(big));
    const run = await runAction('json-parse', { file: 'big.json', path: '$.items[199999].name' }, { workdir: dir });
    expect(run.exitCode).toBe(0);
    expect(run.report.outputs.value).toBe('item-199999');
    // Inputs travel as environment variables, which Linux caps at 128 KiB each: larger JSON goes in a file.
    const inline = { items: Array.from({ length: 4000 }, (_, i) => ({ i, name: `item-${i}` })) };
    const small = await runAction('json-parse', { json: JSON.stringify(inline), path: '$.items[-1].i' });
    expect(small.report.outputs.value).toBe('3999');
  });
});
