import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActionFile, parseActionYaml } from '../src/action-parse.js';
import type { SpecIssue } from '../src/issues.js';

const valid = `name: acme/build
version: 1.2.0
description: Builds things
inputs:
  path:
    type: string
    default: .
  level:
    type: number
    enum: [1, 2, 3]
    default: 2
  flags:
    type: string[]
    default: [a, b]
  options:
    type: object
    default: { a: 1 }
  verbose:
    type: boolean
    description: More output
    deprecationMessage: use level
  token:
    type: string
    secret: true
    required: true
outputs:
  image: { type: string, description: the image }
  count: { type: number }
runs:
  command: ./build.sh
  args: [--fast]
files:
  - { name: report, path: out/report.txt, direction: out }
caches:
  - { key: npm, path: ~/.npm }
timeout: 10m
category: build
branding: { icon: box, color: blue }
`;

function errorsOf(text: string): SpecIssue[] {
  const result = parseActionYaml(text, 'action.yml');
  expect(result.ok, 'expected errors').toBe(false);
  const { errors } = result as Extract<typeof result, { ok: false }>;
  for (const e of errors) {
    expect(e.file).toBe('action.yml');
    expect(e.line).toBeGreaterThan(0);
    expect(e.col).toBeGreaterThan(0);
  }
  return errors;
}

/** The valid manifest with one line replaced. */
function edit(from: string, to: string): string {
  expect(valid).toContain(from);
  return valid.replace(from, to);
}

describe('parseActionYaml: a valid manifest', () => {
  it('parses into an ActionSpec with defaults filled', () => {
    const result = parseActionYaml(valid, 'action.yml');
    expect(result).toMatchObject({ ok: true, warnings: [] });
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      name: 'acme/build',
      version: '1.2.0',
      inputs: {
        path: { type: 'string', default: '.' },
        level: { type: 'number', enum: [1, 2, 3] },
        token: { secret: true, required: true },
      },
      outputs: { image: { type: 'string' }, count: { type: 'number' } },
      runs: { command: './build.sh', args: ['--fast'] },
      files: [{ name: 'report', path: 'out/report.txt', direction: 'out' }],
      caches: [{ key: 'npm', path: '~/.npm' }],
      timeout: 600,
      category: 'build',
      branding: { icon: 'box', color: 'blue' },
    });
  });
  it('accepts the three scopes and the three kinds of runs', () => {
    for (const name of ['acme/x', 'acme/payments/deploy', '~alice/lint', 'a1/b-2']) {
      expect(parseActionYaml(edit('name: acme/build', `name: ${name}`), 'a.yml').ok, name).toBe(true);
    }
    for (const runs of [
      'runs: { image: alpine:3 }',
      'runs: { image: alpine:3, command: sh, args: [-c, ls] }',
      'runs: { node: dist/index.js }',
    ]) {
      expect(parseActionYaml(edit('runs:\n  command: ./build.sh\n  args: [--fast]', runs), 'a.yml').ok, runs).toBe(
        true,
      );
    }
    const minimal = parseActionYaml('name: a/b\nversion: 0.1.0-rc.1\nruns: { command: x }\n', 'a.yml');
    expect(minimal).toMatchObject({
      ok: true,
      value: { description: '', inputs: {}, outputs: {}, files: [], caches: [] },
    });
  });
});

describe('parseActionYaml: every rule has a failing example', () => {
  it.each([
    ['name with capitals', edit('name: acme/build', 'name: Acme/Build'), 1, /name must be scope\/name/, 'name'],
    ['name without scope', edit('name: acme/build', 'name: build'), 1, /name must be scope\/name/, 'name'],
    ['name with 4 parts', edit('name: acme/build', 'name: a/b/c/d'), 1, /name must be/, 'name'],
    ['name with ~ and 3 parts', edit('name: acme/build', 'name: ~al/b/c'), 1, /name must be/, 'name'],
    ['missing name', edit('name: acme/build\n', ''), 1, /missing required key "name"/, 'name'],
    ['version not semver', edit('version: 1.2.0', 'version: v1.2'), 2, /exact semantic version/, 'version'],
    [
      'version as a YAML number',
      edit('version: 1.2.0', 'version: 1.2'),
      2,
      /version must be a string, found a number/,
      'version',
    ],
    [
      'description not a string',
      edit('description: Builds things', 'description: [a]'),
      3,
      /description must be a string/,
      'description',
    ],
    ['unknown top-level key', edit('category: build', 'categroy: build'), 37, /unknown key "categroy"/, 'categroy'],
    [
      'input key requied',
      edit('    secret: true', '    requied: true'),
      24,
      /unknown key "requied"/,
      'inputs.token.requied',
    ],
    ['input key defaule', edit('    default: .', '    defaule: .'), 7, /unknown key "defaule"/, 'inputs.path.defaule'],
    [
      'input type unknown',
      edit('    type: boolean', '    type: bool'),
      19,
      /must be one of string, number, boolean, string\[\], object/,
      'inputs.verbose.type',
    ],
    ['input name invalid', edit('  path:', '  1path:'), 5, /invalid name "1path"/, 'inputs["1path"]'],
    ['input not a mapping', edit('inputs:\n', 'inputs:\n  bad: 3\n'), 5, /inputs.bad must be a mapping/, 'inputs.bad'],
    [
      'string default is a number',
      edit('    default: .', '    default: 1.0'),
      7,
      /default 1 does not match the input's type string/,
      'inputs.path.default',
    ],
    [
      'number default is a string',
      edit('    default: 2', '    default: "2"'),
      11,
      /does not match the input's type number/,
      'inputs.level.default',
    ],
    [
      'string[] default is a string',
      edit('    default: [a, b]', '    default: a'),
      14,
      /does not match the input's type string\[\]/,
      'inputs.flags.default',
    ],
    [
      'object default is a list',
      edit('    default: { a: 1 }', '    default: [1]'),
      17,
      /does not match the input's type object/,
      'inputs.options.default',
    ],
    [
      'boolean default is a string',
      edit('    description: More output', '    default: "yes"'),
      20,
      /does not match the input's type boolean/,
      'inputs.verbose.default',
    ],
    [
      'default not in enum',
      edit('    default: 2', '    default: 5'),
      11,
      /default 5 is not in the enum/,
      'inputs.level.default',
    ],
    [
      'enum value of the wrong type',
      edit('    enum: [1, 2, 3]', '    enum: [1, two, 3]'),
      10,
      /enum value "two" is not a number/,
      'inputs.level.enum[1]',
    ],
    [
      'enum on a boolean',
      edit('    description: More output', '    enum: [true]'),
      20,
      /enum is not allowed|must be a string or a number/,
      undefined,
    ],
    [
      'empty enum',
      edit('    enum: [1, 2, 3]', '    enum: []'),
      10,
      /must NOT have fewer than 1 items/,
      'inputs.level.enum',
    ],
    [
      'secret not a boolean',
      edit('    secret: true', '    secret: yes please'),
      24,
      /secret must be true or false/,
      'inputs.token.secret',
    ],
    [
      'output type unknown',
      edit('  count: { type: number }', '  count: { type: int }'),
      28,
      /must be one of string, number, boolean, json/,
      'outputs.count.type',
    ],
    [
      'output key misspelt',
      edit('  count: { type: number }', '  count: { type: number, descripion: x }'),
      28,
      /unknown key "descripion"/,
      'outputs.count.descripion',
    ],
    [
      'runs missing',
      edit('runs:\n  command: ./build.sh\n  args: [--fast]\n', ''),
      1,
      /missing required key "runs"/,
      'runs',
    ],
    [
      'runs empty',
      edit('runs:\n  command: ./build.sh\n  args: [--fast]', 'runs: {}'),
      29,
      /exactly one of command/,
      'runs',
    ],
    ['runs command and node', edit('  args: [--fast]', '  node: x.js'), 30, /exactly one of command/, 'runs'],
    [
      'runs image and node',
      edit('  command: ./build.sh', '  image: alpine\n  node: x.js'),
      30,
      /exactly one of command/,
      'runs',
    ],
    [
      'runs args not strings',
      edit('  args: [--fast]', '  args: [{a: 1}]'),
      31,
      /runs.args\[0\] must be a string/,
      'runs.args[0]',
    ],
    ['runs key misspelt', edit('  args: [--fast]', '  arg: [--fast]'), 31, /unknown key "arg" in runs/, 'runs.arg'],
    [
      'runs.node outside the folder',
      edit('runs:\n  command: ./build.sh\n  args: [--fast]', 'runs: { node: ../x.js }'),
      29,
      /outside the action folder/,
      'runs.node',
    ],
    [
      'file without path',
      edit('  - { name: report, path: out/report.txt, direction: out }', '  - { name: report }'),
      33,
      /missing required key "path"/,
      'files[0].path',
    ],
    [
      'file direction invalid',
      edit('direction: out }', 'direction: outward }'),
      33,
      /must be one of in, out/,
      'files[0].direction',
    ],
    [
      'duplicate file names',
      edit(
        '  - { name: report, path: out/report.txt, direction: out }',
        '  - { name: report, path: a }\n  - { name: report, path: b }',
      ),
      34,
      /duplicate files name "report"/,
      'files[1].name',
    ],
    [
      'files not a list',
      edit('files:\n  - { name: report, path: out/report.txt, direction: out }', 'files: report'),
      32,
      /files must be a list/,
      'files',
    ],
    [
      'cache without key',
      edit('  - { key: npm, path: ~/.npm }', '  - { path: ~/.npm }'),
      35,
      /missing required key "key"/,
      'caches[0].key',
    ],
    ['timeout malformed', edit('timeout: 10m', 'timeout: 10 minutes'), 36, /timeout must be a duration/, 'timeout'],
    ['timeout negative', edit('timeout: 10m', 'timeout: -5'), 36, /positive number of seconds/, 'timeout'],
    ['category not a string', edit('category: build', 'category: 3'), 37, /category must be a string/, 'category'],
    [
      'branding key misspelt',
      edit('branding: { icon: box, color: blue }', 'branding: { icon: box, colour: blue }'),
      38,
      /unknown key "colour" in branding/,
      'branding.colour',
    ],
  ])('%s', (_label, text, line, message, key) => {
    const errors = errorsOf(text);
    expect(errors.map((e) => e.message).join('\n')).toMatch(message);
    const error = errors.find((e) => message.test(e.message)) as SpecIssue;
    expect(error.line).toBe(line);
    if (key !== undefined) expect(error.key).toBe(key);
  });

  it('suggests the right key for misspellings, as in real Erda specs', () => {
    const errors = errorsOf(edit('    secret: true', '    requied: true').replace('    default: .', '    defaule: .'));
    expect(errors.map((e) => e.hint)).toEqual(['did you mean "default"?', 'did you mean "required"?']);
  });

  it('collects every error, in file order', () => {
    const text = edit('name: acme/build', 'name: Bad')
      .replace('version: 1.2.0', 'version: x')
      .replace('category: build', 'catgory: build')
      .replace('timeout: 10m', 'timeout: soon');
    const errors = errorsOf(text);
    expect(errors.map((e) => e.line)).toEqual([1, 2, 36, 37]);
  });

  it('warns about a required input with a default and a secret with a default', () => {
    const result = parseActionYaml(
      edit('    required: true', '    required: true\n    default: hunter2-secret'),
      'action.yml',
    );
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.message)).toEqual([
      'input "token" is required but has a default, so the default is never used',
      'secret input "token" has a default, stored in clear in action.yml',
    ]);
    expect(JSON.stringify(result.warnings)).not.toContain('hunter2');
  });

  it('never repeats the default of a secret input in an error', () => {
    const errors = errorsOf(edit('    required: true', '    default: 123456789'));
    expect(errors.map((e) => e.message)).toEqual(["default (secret) does not match the input's type string"]);
  });
});

describe('parseActionYaml: malformed files', () => {
  it.each([
    ['', /the file is empty/],
    ['name: [', /invalid YAML/],
    ['- a\n- b', /must be a mapping/],
    ['"just a string"', /must be a mapping/],
    ['name: a/b\nname: a/c\nversion: 1.0.0\nruns: {command: x}', /duplicate key "name" \(first on line 1\)/],
    ['name: a/b\n\tversion: 1.0.0', /invalid YAML/],
    [
      'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
      /YAML aliases expand this file to .* values, over the limit of 100,000/,
    ],
    ['name: a/b\n---\nname: c/d', /invalid YAML/],
  ])('%j', (text, message) => {
    const result = parseActionYaml(text, 'action.yml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.message).toMatch(message);
    expect(result.errors[0]?.line).toBeGreaterThan(0);
  });
  it('refuses a huge file with a clear error', () => {
    const result = parseActionYaml(`description: "${'x'.repeat(5 * 1024 * 1024)}"`, 'action.yml');
    expect(result).toMatchObject({
      ok: false,
      errors: [
        {
          line: 1,
          col: 1,
          message: expect.stringMatching(/the file is 5\.0 MiB; a spec file may be at most 1\.0 MiB/),
        },
      ],
    });
  });
  it('survives a very long line', () => {
    const result = parseActionYaml(
      `name: a/b\nversion: 1.0.0\nruns: { command: x }\ndescription: ${'y'.repeat(500_000)}\nbogus: 1`,
      'action.yml',
    );
    expect(result).toMatchObject({ ok: false, errors: [{ line: 5, col: 1, message: 'unknown key "bogus"' }] });
  });
});

describe('loadActionFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caravan-action-'));
    await mkdir(join(dir, 'ok'));
    await writeFile(join(dir, 'ok', 'action.yml'), valid);
    await mkdir(join(dir, 'yaml-ext'));
    await writeFile(join(dir, 'yaml-ext', 'action.yaml'), valid);
    await mkdir(join(dir, 'empty'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it('reads action.yml from a folder, or action.yaml, or a file path', async () => {
    expect((await loadActionFile(join(dir, 'ok'))).ok).toBe(true);
    expect((await loadActionFile(join(dir, 'yaml-ext'))).ok).toBe(true);
    expect((await loadActionFile(join(dir, 'ok', 'action.yml'))).ok).toBe(true);
  });
  it('says clearly when the file is missing', async () => {
    const result = await loadActionFile(join(dir, 'empty'));
    expect(result).toMatchObject({
      ok: false,
      errors: [
        {
          file: join(dir, 'empty', 'action.yml'),
          line: 0,
          message: expect.stringMatching(/no action.yml file at/),
          hint: expect.stringMatching(/caravan action init/),
        },
      ],
    });
    const missing = await loadActionFile(join(dir, 'nope', 'action.yml'));
    expect(missing).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/no action.yml file at/) }] });
  });
});
