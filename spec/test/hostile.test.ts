/**
 * A corpus of hostile and malformed spec files. Each is refused with `file:line:col: error: message`, or accepted
 * where it is legal YAML and a legal spec. No wall-clock time is measured: the work of each parse is bounded
 * through the reader's counters (tokens lexed, nodes visited, keys merged), which the limits cap.
 */
import { isUtf8 } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseActionYaml } from '../src/action-parse.js';
import { formatIssue, type ParseResult, type SpecIssue } from '../src/issues.js';
import { loadPipelineFile, parsePipelineYaml } from '../src/pipeline-parse.js';
import { firstInvalidUtf8 } from '../src/read-spec-file.js';
import { MAX_EXPANDED_NODES, MAX_SPEC_FILE_BYTES, MAX_YAML_TOKENS } from '../src/yaml-limits.js';
import { loadYaml, MAX_REPORTED_ISSUES, type YamlStats } from '../src/yaml-source.js';

const FILE = 'hostile.yml';
/** Lines 1–4; a case's own lines start at line 5. */
const HEAD = 'version: "1"\nsteps:\n  - id: a\n    run: echo\n';
const pipeline = (rest = '') => HEAD + rest;
const ACTION = 'name: acme/x\nversion: 1.0.0\nruns: { command: x }\n';
const repeat = (n: number, f: (i: number) => string, sep = '') => Array.from({ length: n }, (_, i) => f(i)).join(sep);

interface Refused {
  message: RegExp;
  hint?: RegExp;
  /** Exact 1-based position of the first error. */
  at?: [number, number];
  /** The text at the first error's position starts with this. */
  pointsAt?: string;
}

interface Case {
  name: string;
  text: () => string;
  kind?: 'pipeline' | 'action';
  refused?: Refused;
  accepted?: (value: Record<string, unknown>, warnings: SpecIssue[]) => void;
  /** Checks of the reader's counters beyond the ones made for every case. */
  work?: (stats: YamlStats) => void;
}

const corpus: Case[] = [
  // --- Alias bombs: expansion is counted, never built ---
  {
    name: 'billion laughs (lists, 10 levels of 10)',
    text: () =>
      pipeline(
        `x-0: &l0 [${repeat(10, () => 'lol', ', ')}]\n` +
          repeat(9, (i) => `x-${i + 1}: &l${i + 1} [${repeat(10, () => `*l${i}`, ', ')}]\n`),
      ),
    refused: {
      message: /^YAML aliases expand this file to .* values, over the limit of 100,000; the limit is passed here/,
      hint: /mistake or an attack: remove the alias or write the value out/,
      pointsAt: '*l3',
    },
    work: ({ expansion }) => {
      expect(expansion?.nodes).toBeGreaterThan(1e10);
      expect(expansion?.visited).toBeLessThan(200);
    },
  },
  {
    name: 'billion laughs (mappings)',
    text: () =>
      pipeline(
        'x-0: &m0 {a: lol, b: lol, c: lol}\n' +
          repeat(12, (i) => `x-${i + 1}: &m${i + 1} {${repeat(8, (k) => `k${k}: *m${i}`, ', ')}}\n`),
      ),
    refused: { message: /^YAML aliases expand this file to/, pointsAt: '*m' },
    work: ({ expansion }) => expect(expansion?.visited).toBeLessThan(300),
  },
  {
    name: 'alias chain doubling 80 times (2^80 values)',
    text: () => pipeline('x-0: &a0 x\n' + repeat(80, (i) => `x-${i + 1}: &a${i + 1} [*a${i}, *a${i}]\n`)),
    refused: { message: /^YAML aliases expand this file to about 10\^\d+ values/, pointsAt: '*a' },
    work: ({ expansion }) => expect(expansion?.visited).toBeLessThan(400),
  },
  {
    name: 'alias chain nesting 70 lists deep',
    text: () => pipeline('x-0: &d0 [x]\n' + repeat(70, (i) => `x-${i + 1}: &d${i + 1} [*d${i}]\n`)),
    refused: {
      message: /^alias \*d\d+ here puts values that are nested more than 64 levels deep$/,
      hint: /flatten/,
      pointsAt: '*d',
    },
  },
  {
    name: 'merge-key bomb (a 2,000-key mapping merged 100 times)',
    text: () =>
      pipeline(
        `x-base: &b {${repeat(2000, (i) => `k${i}: v`, ', ')}}\n` + `x-m: [${repeat(100, () => '{<<: *b}', ', ')}]\n`,
      ),
    refused: { message: /^YAML aliases expand this file to/, pointsAt: '*b' },
    // Merging stops at the limit: the keys copied stay within it.
    work: ({ expansion }) => expect(expansion?.merged).toBeLessThanOrEqual(MAX_EXPANDED_NODES),
  },
  {
    name: 'merge chain bomb (each level merges the last ten times)',
    text: () =>
      pipeline(
        'x-0: &m0 {a: 1}\n' + repeat(12, (i) => `x-${i + 1}: &m${i + 1} {<<: [${repeat(10, () => `*m${i}`, ', ')}]}\n`),
      ),
    refused: { message: /^YAML aliases expand this file to/, pointsAt: '*m' },
  },
  {
    name: 'a 600 KiB scalar repeated by 8 aliases',
    text: () => pipeline(`x-a: &big "${'x'.repeat(600 * 1024)}"\nx-b: [${repeat(8, () => '*big', ', ')}]\n`),
    refused: {
      message:
        /^YAML aliases expand this file to \d+\.\d MiB of text, over the limit of 4\.0 MiB; .* \*big adds 600 KiB/,
      pointsAt: '*big',
    },
  },
  {
    name: '10,000 aliases of one scalar (legal; resolved in one pass, not one scan of the file each)',
    text: () => pipeline(`x-a: &a 1\nx-b: [${repeat(10_000, () => '*a', ',')}]\n`),
    accepted: (value) => expect((value as { name: string }).name).toBe('hostile'),
    work: ({ expansion }) => {
      expect(expansion?.aliases).toBe(10_000);
      expect(expansion?.visited).toBeLessThan(20);
    },
  },
  {
    name: 'merge keys within the limits (legal)',
    text: () =>
      'version: "1"\nx-node: &node { executor: docker, image: node:20, timeout: 10m }\nsteps:\n' +
      repeat(50, (i) => `  - { <<: *node, id: s${i}, run: echo ${i} }\n`) +
      '  - { <<: *node, id: own, run: echo, image: own:1 }\n',
    accepted: (value) => {
      const steps = value.steps as Array<{ id: string; executor: string; image: string; timeout: number }>;
      expect(steps).toHaveLength(51);
      expect(steps[0]).toMatchObject({ id: 's0', executor: 'docker', image: 'node:20', timeout: 600 });
      expect(steps[50]).toMatchObject({ id: 'own', image: 'own:1' });
    },
  },
  {
    name: 'merge precedence: keys of the mapping win, then earlier sources (legal)',
    text: () =>
      'version: "1"\nx-a: &a { executor: docker, image: a }\nx-b: &b { image: b, timeout: 5m }\nsteps:\n' +
      '  - { <<: [*a, *b], id: s, run: echo, executor: process }\n  - { image: c, <<: *a, id: t, run: echo }\n',
    accepted: (value) => {
      const [s, t] = value.steps as Array<Record<string, unknown>>;
      expect(s).toMatchObject({ executor: 'process', image: 'a', timeout: 300 });
      expect(t).toMatchObject({ executor: 'docker', image: 'c' });
    },
  },
  {
    name: 'merge of a list',
    text: () => pipeline('x-l: &l [a, b]\nx-m: { <<: *l }\n'),
    refused: { message: /^<< merges a mapping/, hint: /<<: \*defaults/, at: [6, 12] },
  },
  {
    name: 'merge of text, and of nothing',
    text: () => pipeline('x-m: { <<: [{ a: 1 }, text] }\nx-n:\n  <<:\n'),
    refused: { message: /^<< merges a mapping/, at: [5, 23] },
  },

  // --- Size and density ---
  {
    name: 'text over 1 MiB',
    text: () => pipeline(`x-a: "${'x'.repeat(MAX_SPEC_FILE_BYTES)}"\n`),
    refused: { message: /^the file is 1\.0 MiB; a spec file may be at most 1\.0 MiB$/, hint: /attack/, at: [1, 1] },
    // Refused on its length: not one token lexed.
    work: ({ scan }) => expect(scan.tokens).toBe(0),
  },
  {
    name: 'text over 1 MiB in 3-byte characters (counted in bytes, not characters)',
    text: () => pipeline(`x-a: "${'€'.repeat(400_000)}"\n`),
    refused: { message: /^the file is 1\.1 MiB/, at: [1, 1] },
  },
  {
    name: 'a 900 KiB description (legal: long text is one token)',
    kind: 'action',
    text: () => `${ACTION}description: "${'d'.repeat(900 * 1024)}"\n`,
    accepted: (value) => expect((value.description as string).length).toBe(900 * 1024),
  },
  {
    name: 'token-dense text ([1,1,1,…] of 100,000 items)',
    text: () => pipeline(`x-a: [${repeat(100_000, () => '1', ',')}]\n`),
    refused: { message: /^the file has more than 150,000 YAML tokens .* by line 5$/, hint: /attack/ },
    // The lexer stops at the limit; the parser never runs.
    work: ({ scan, expansion }) => {
      expect(scan.tokens).toBe(MAX_YAML_TOKENS + 1);
      expect(expansion).toBeUndefined();
    },
  },
  {
    name: '5,000 unknown keys (the report stops at 100)',
    text: () => pipeline(repeat(5000, (i) => `k${i}: 1\n`)),
    refused: { message: /^unknown key "k0"/, at: [5, 1] },
  },
  {
    name: '5,000 lines of syntax errors (the report stops at 4)',
    text: () => repeat(5000, () => 'x: [}\n'),
    refused: { message: /^invalid YAML/, at: [1, 5] },
  },

  // --- Nesting ---
  {
    name: 'flow lists 10,000 deep',
    text: () => pipeline(`x-a: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`),
    refused: { message: /^values are nested more than 64 levels deep$/, hint: /shallow/, at: [5, 6 + 64] },
    work: ({ scan }) => expect(scan.flowDepth).toBe(65),
  },
  {
    name: 'block mappings 100 deep',
    text: () => pipeline(`x-a:\n${repeat(100, (i) => `${' '.repeat(2 * i + 2)}k${i}:\n`)}${' '.repeat(202)}v\n`),
    // The top-level mapping is level 1, x-a's level 2: the 65th level is the mapping of key k62.
    refused: { message: /^values are nested more than 64 levels deep$/, pointsAt: 'k63:' },
  },
  {
    name: 'compact block lists 100 deep (- - - …)',
    text: () => pipeline(`x-a:\n  ${'- '.repeat(100)}1\n`),
    refused: { message: /^values are nested more than 64 levels deep$/, at: [6, 3 + 2 * 63] },
  },
  {
    name: 'compact block lists 5,000 deep (the YAML parser gives up)',
    text: () => pipeline(`x-a:\n  ${'- '.repeat(5000)}1\n`),
    refused: { message: /^invalid YAML: nested too deeply$/, hint: /at most 64 levels/ },
  },

  // --- Characters and encodings (as text; files are below) ---
  {
    name: 'tabs as indentation',
    text: () => 'version: "1"\nsteps:\n\t- id: a\n\t  run: echo\n',
    refused: { message: /^invalid YAML: Tabs are not allowed as indentation/, hint: /spaces, not tabs/, at: [3, 1] },
  },
  {
    name: 'a byte order mark at the start (legal; columns count from after it)',
    text: () => `\uFEFFbogus: 1\n${HEAD}`,
    refused: { message: /^unknown key "bogus"/, at: [1, 1] },
  },
  {
    name: 'a byte order mark inside a quoted value (legal)',
    text: () => pipeline('name: "a\uFEFFb"\n'),
    accepted: (value) => expect(value.name).toBe('a\uFEFFb'),
  },
  {
    name: 'a NUL byte',
    text: () => pipeline('name: a\0b\n'),
    refused: { message: /^a NUL character \(U\+0000\); YAML does not allow it/, hint: /"\\u0000"/, at: [5, 8] },
  },
  {
    name: 'an escape character (U+001B)',
    text: () => pipeline('name: "\u001b[31mred"\n'),
    refused: { message: /^a control character \(U\+001B\)/, at: [5, 8] },
  },
  {
    name: 'a DEL character (U+007F)',
    text: () => pipeline('name: a\u007f\n'),
    refused: { message: /^a control character \(U\+007F\)/, at: [5, 8] },
  },
  {
    name: 'an unpaired surrogate',
    text: () => pipeline('name: "a\uD800"\n'),
    refused: { message: /^an unpaired surrogate \(U\+D800\)/, at: [5, 9] },
  },
  {
    name: 'old Mac line endings (CR only)',
    text: () => 'version: "1"\rsteps: []\r',
    refused: { message: /^a carriage return \(U\+000D\) that ends no line/, hint: /LF/, at: [1, 13] },
  },
  {
    name: 'Windows line endings (legal)',
    text: () => HEAD.replaceAll('\n', '\r\n'),
    accepted: (value) => expect((value.steps as unknown[]).length).toBe(1),
  },

  // --- Keys ---
  {
    name: 'a duplicate key',
    text: () => pipeline('  - id: b\n    run: echo\n    id: c\n'),
    refused: { message: /^duplicate key "id" \(first on line 5\)$/, hint: /unique keys/, at: [7, 5] },
  },
  {
    name: 'keys that differ in YAML but not once read (1 and "1")',
    text: () => pipeline('x-a: { 1: a, "1": b }\n'),
    refused: { message: /^duplicate key "1"/, at: [5, 14] },
  },
  {
    name: 'a list as a key',
    text: () => pipeline('? [a, b]\n: 1\n'),
    refused: { message: /^a key must be text, not a list$/, at: [5, 3] },
  },
  {
    name: 'an alias of a mapping as a key',
    text: () => pipeline('x-a: &m { p: q }\nx-b: { *m : 1 }\n'),
    refused: { message: /^a key must be text, not a mapping$/, at: [6, 8] },
  },
  {
    name: 'an alias of text as a key (legal)',
    text: () => 'version: "1"\nx-k: &k image\nsteps:\n  - { id: a, run: echo, *k : "node:20" }\n',
    accepted: (value) => expect((value.steps as Array<{ image: string }>)[0]?.image).toBe('node:20'),
  },
  {
    name: 'a null key',
    text: () => pipeline('    with: { ~: 1 }\n'),
    refused: { message: /^a key is missing \(or is null\)$/, at: [5, 13] },
  },
  {
    name: 'a __proto__ key',
    text: () => pipeline('    with: { __proto__: { run: evil } }\n'),
    refused: { message: /^the key __proto__ is not allowed$/, at: [5, 13] },
  },

  // --- Anchors, aliases, documents, tags ---
  {
    name: 'an anchor that contains its own alias',
    text: () => pipeline('x-a: &self [1, *self]\n'),
    refused: {
      message: /^alias \*self is inside the value it names \(&self on line 5\), so it never ends$/,
      at: [5, 16],
    },
  },
  {
    name: 'an alias before its anchor',
    text: () => pipeline('x-a: *later\nx-b: &later 1\n'),
    refused: { message: /^alias \*later names no anchor before it$/, hint: /defined after it, on line 6/, at: [5, 6] },
  },
  {
    name: 'an alias of no anchor',
    text: () => pipeline('x-a: *nowhere\n'),
    refused: { message: /^alias \*nowhere names no anchor before it$/, hint: /define the anchor first/, at: [5, 6] },
  },
  {
    name: 'two YAML documents',
    text: () => `${HEAD}---\n${HEAD}`,
    refused: { message: /^invalid YAML: a second document starts here/, hint: /remove this ---/, at: [5, 1] },
  },
  {
    name: 'a custom tag (!Ref)',
    text: () => pipeline('name: !Ref other\n'),
    refused: { message: /^YAML tag !Ref is not supported in spec files$/, hint: /plain YAML/, at: [5, 7] },
  },
  {
    name: 'a YAML 1.1 binary value (!!binary)',
    text: () => pipeline('name: !!binary aGVsbG8=\n'),
    refused: { message: /^YAML tag !!binary is not supported/, at: [5, 7] },
  },
  {
    name: 'a YAML 1.1 date (!!timestamp)',
    text: () => pipeline('name: !!timestamp 2001-12-14\n'),
    refused: { message: /^YAML tag !!timestamp is not supported/, at: [5, 7] },
  },
  {
    name: 'core tags and a %YAML 1.1 directive (legal; read with the YAML 1.2 core schema)',
    text: () =>
      `%YAML 1.1\n---\nversion: "1"\nname: !!str 123\nenvs: { A: yes, B: 0777, C: 2001-12-14 }\nsteps: [{ id: a, run: echo }]\n`,
    accepted: (value) => {
      expect(value.name).toBe('123');
      expect(value.envs).toEqual({ A: 'yes', B: '777', C: '2001-12-14' });
    },
  },

  // --- Wrong types, unknown keys, numbers ---
  {
    name: 'wrong types everywhere',
    text: () =>
      'version: 2\nname: [a]\npriority: high\nparams: []\nenvs: { A: [1] }\nsecrets: DEPLOY\nsteps:\n' +
      '  - id: A B\n    uses: 42\n    needs: b\n    timeout: forever\n    retry: many\n    with: [x]\n    executor: vm\n',
    refused: { message: /^version must be "1"/, at: [1, 10] },
  },
  {
    name: 'unknown keys at every level',
    text: () =>
      'verison: "1"\nparams: { p: { typ: string } }\nsteps:\n  - id: a\n    ruun: echo\n    retry: { count: 1, wait: 5s }\n',
    refused: { message: /^unknown key "verison"/, hint: /did you mean "version"\?/, at: [1, 1] },
  },
  {
    name: 'a number too large to hold (1e400)',
    text: () => pipeline('priority: 1e400\n'),
    refused: {
      message: /^1e400 is read as Infinity, which is not a number a spec can hold$/,
      hint: /quote it/,
      at: [5, 11],
    },
  },
  {
    name: 'an infinity and a NaN',
    text: () => pipeline('    with: { a: -.inf, b: .nan }\n'),
    refused: { message: /^-\.inf is read as -Infinity/, at: [5, 16] },
  },
  {
    name: 'an integer beyond 2^53 (legal, with a warning)',
    text: () => pipeline('    with: { id: 123456789012345678901 }\n'),
    accepted: (_value, warnings) =>
      expect(warnings.map(formatIssue)).toEqual([
        expect.stringMatching(/^hostile\.yml:5:17: warning: 123456789012345678901 is beyond 2\^53 .* — quote it/),
      ]),
  },
  {
    name: 'a timeout of a million hours',
    text: () => pipeline('    timeout: 1000000h\n'),
    refused: { message: /^steps\[0\]\.timeout is 3,600,000,000 seconds; .* at most 7 days/, at: [5, 14] },
  },
  {
    name: 'a retry wait of a billion seconds',
    text: () => pipeline('    retry: { count: 1, max: 1000000000 }\n'),
    refused: { message: /^steps\[0\]\.retry\.max is 1,000,000,000 seconds/, at: [5, 29] },
  },
  {
    name: 'a million retries',
    text: () => pipeline('    retry: 1000000\n'),
    refused: { message: /^steps\[0\]\.retry must be <= 100/, at: [5, 12] },
  },
  {
    name: 'an action timeout of 100 days',
    kind: 'action',
    text: () => `${ACTION}timeout: 8640000\n`,
    refused: { message: /^timeout is 8,640,000 seconds/, at: [4, 10] },
  },

  // --- Params and inputs ---
  {
    name: 'a number param with a text default',
    text: () => pipeline('params:\n  n: { type: number, default: "abc" }\n'),
    refused: {
      message: /^default "abc" of param "n" is not a number$/,
      hint: /write a number, or set type: string/,
      at: [6, 31],
    },
  },
  {
    name: 'a boolean param with default yes (text in YAML 1.2)',
    text: () => pipeline('params:\n  b: { type: boolean, default: yes }\n'),
    refused: { message: /^default "yes" of param "b" is not a boolean$/, at: [6, 32] },
  },
  {
    name: 'a param default that is a list',
    text: () => pipeline('params:\n  s: { default: [a] }\n'),
    refused: {
      message: /^params\.s\.default must be a string or a number or true or false, found a list$/,
      at: [6, 17],
    },
  },
  {
    name: 'a param default of null',
    text: () => pipeline('params:\n  s: { default: ~ }\n'),
    refused: { message: /^params\.s\.default must be .* found nothing \(null\)$/, at: [6, 17] },
  },
  {
    name: 'a param default of .inf',
    text: () => pipeline('params:\n  n: { type: number, default: .inf }\n'),
    refused: { message: /^\.inf is read as Infinity/, at: [6, 31] },
  },
  {
    name: 'a param with an unknown type',
    text: () => pipeline('params:\n  n: { type: int }\n'),
    refused: { message: /^params\.n\.type must be one of string, number, boolean, found "int"$/, at: [6, 14] },
  },
  {
    name: 'a param with an enum (params have none)',
    text: () => pipeline('params:\n  e: { enum: [a, b], default: c }\n'),
    refused: { message: /^unknown key "enum" in params\.e$/, at: [6, 8] },
  },
  {
    name: 'an action input whose default is outside its enum',
    kind: 'action',
    text: () => `${ACTION}inputs:\n  level: { type: number, enum: [1, 2, 3], default: 4 }\n`,
    refused: { message: /^default 4 is not in the enum$/, hint: /valid: 1, 2, 3/, at: [5, 52] },
  },
  {
    name: 'an action input whose default is of the wrong type',
    kind: 'action',
    text: () => `${ACTION}inputs:\n  n: { type: number, default: many }\n`,
    refused: { message: /^default "many" does not match the input's type number$/, at: [5, 31] },
  },

  // --- Shapes ---
  {
    name: '1,001 steps',
    text: () => `version: "1"\nsteps:\n${repeat(1001, (i) => `  - { id: s${i}, run: echo }\n`)}`,
    refused: { message: /^a pipeline has at most 1000 steps; this file has 1001$/, at: [1003, 5] },
  },
  {
    name: 'a cycle through 200 steps (the message stays short)',
    text: () =>
      `version: "1"\nsteps:\n${repeat(200, (i) => `  - { id: s${i}, run: echo, needs: [s${(i + 1) % 200}] }\n`)}`,
    refused: { message: /^needs form a cycle: s0 → s1 → s2 → s3 → s4 → s5 → … \(192 more steps\) → s198 → s199 → s0$/ },
  },
  {
    name: 'an empty file',
    text: () => '',
    refused: { message: /^the file is empty$/, at: [1, 1] },
  },
  {
    name: 'a file that is one scalar',
    text: () => 'lol\n',
    refused: { message: /^the file must be a mapping/, at: [1, 1] },
  },
];

/** Checks made on every case: the work of reading is bounded by the limits, whatever the file. */
function read(text: string): ReturnType<typeof loadYaml> {
  const loaded = loadYaml(text, FILE);
  const { scan, expansion } = loaded.stats;
  expect(scan.tokens).toBeLessThanOrEqual(MAX_YAML_TOKENS + 1);
  if (expansion) {
    // Each node is visited once, and each comes from at least one token: no alias is expanded by walking it.
    expect(expansion.visited).toBeLessThanOrEqual(scan.tokens);
    expect(expansion.merged).toBeLessThanOrEqual(MAX_EXPANDED_NODES);
  }
  return loaded;
}

function expectLocated(errors: SpecIssue[], file = FILE): void {
  expect(errors.length).toBeGreaterThan(0);
  expect(errors.length).toBeLessThanOrEqual(MAX_REPORTED_ISSUES + 1);
  for (const e of errors) {
    expect(e.file).toBe(file);
    expect(e.line, formatIssue(e)).toBeGreaterThanOrEqual(1);
    expect(e.col, formatIssue(e)).toBeGreaterThanOrEqual(1);
    expect(e.message.length).toBeGreaterThan(0);
    expect(formatIssue(e).startsWith(`${file}:${e.line}:${e.col}: error: ${e.message}`)).toBe(true);
  }
}

function textAt(text: string, line: number, col: number): string {
  return (text.split(/\r?\n/)[line - 1] ?? '').slice(col - 1);
}

describe('hostile spec files', () => {
  it('has a corpus of at least 30 kinds', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it.each(corpus)('$name', (c) => {
    const text = c.text();
    const loaded = read(text);
    c.work?.(loaded.stats);
    // A file the reader refuses is refused as is; only a readable one goes through the spec's checks.
    let result: ParseResult<unknown>;
    if (!loaded.ok) result = { ok: false, errors: loaded.errors, warnings: loaded.warnings };
    else result = c.kind === 'action' ? parseActionYaml(text, FILE) : parsePipelineYaml(text, FILE);
    if (c.accepted) {
      expect(result.ok, result.ok ? '' : result.errors.map(formatIssue).join('\n')).toBe(true);
      if (result.ok) c.accepted(result.value as Record<string, unknown>, result.warnings);
      return;
    }
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expectLocated(result.errors);
    const first = result.errors[0] as SpecIssue;
    const { refused } = c;
    if (!refused) throw new Error('a case is either accepted or refused');
    expect(first.message).toMatch(refused.message);
    if (refused.hint) expect(first.hint).toMatch(refused.hint);
    if (refused.at) expect([first.line, first.col]).toEqual(refused.at);
    if (refused.pointsAt) expect(textAt(text, first.line, first.col).startsWith(refused.pointsAt)).toBe(true);
  });

  it('sums up what it does not report', () => {
    const many = parsePipelineYaml(pipeline(repeat(5000, (i) => `k${i}: 1\n`)), FILE);
    expect(many.ok).toBe(false);
    if (many.ok) return;
    expect(many.errors).toHaveLength(MAX_REPORTED_ISSUES + 1);
    expect(many.errors.at(-1)?.message).toMatch(/^\d+ more errors from here on$/);
    const syntax = parsePipelineYaml(
      repeat(5000, () => 'x: [}\n'),
      FILE,
    );
    expect(syntax.ok ? [] : syntax.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^invalid YAML/),
      expect.stringMatching(/^invalid YAML/),
      expect.stringMatching(/^invalid YAML/),
      expect.stringMatching(/more YAML syntax errors from here on/),
    ]);
  });

  it('says in docs/spec.md exactly what it says about a billion laughs', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/spec.md', import.meta.url)), 'utf8');
    const result = parsePipelineYaml((corpus[0] as Case).text(), 'pipeline.yml');
    const said = result.ok ? '' : formatIssue(result.errors[0] as SpecIssue);
    expect(said).toMatch(/^pipeline\.yml:9:46: error: YAML aliases expand/);
    expect(doc.split('\n')).toContain(said);
  });

  it('reads legal YAML into the same data as the yaml library, aliases and merges included', () => {
    const documents = [
      'a: &a { p: 1, q: 1 }\nb: &b { q: 2, r: 2 }\nl: &l [*a, *b]\nm: { <<: *l, s: 3 }\nn: { <<: [*b, *a], q: 9 }\n',
      'x: &x 1\ny: [*x, &x 2, *x]\nz: { *x : v }\n',
      'constructor: 1\ntoString: [a]\n10: ten\n2: two\n"3": three\nb: true\nn: ~\nf: -1.5e3\nh: 0x1F\no: 0o17\n',
      "script: |\n  echo one\n  echo two\nfolded: >-\n  a\n  b\nquoted: \"tab\\tnl\\n\\u00e9\"\nsingle: 'it''s'\n",
      'deep: { a: [ { b: [ { c: [1, 2, { d: e }] } ] } ] }\nempty: {}\nnone: []\nnull-value:\n',
      'base: &base { image: node, env: &env { A: 1 } }\nstep: { <<: *base, env: { <<: *env, B: 2 } }\n',
    ];
    for (const text of documents) {
      const loaded = loadYaml(text, FILE);
      expect(loaded.ok ? loaded.source.data : loaded.errors.map(formatIssue)).toEqual(
        parseYaml(text, { merge: true, schema: 'core' }),
      );
    }
  });

  it('gives each run param the place it is declared, for errors about the values a run is given', () => {
    const result = parsePipelineYaml(pipeline('params:\n  n: { type: number }\n'), FILE);
    expect(result.ok && result.value.params.n?.loc).toEqual({ file: FILE, line: 6, col: 3 });
  });
});

describe('hostile spec files on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caravan-hostile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
  const refused = async (path: string) => {
    const result = await loadPipelineFile(path);
    expect(result.ok).toBe(false);
    if (result.ok) throw new Error('accepted');
    expectLocated(result.errors, path);
    return result.errors[0] as SpecIssue;
  };

  it('refuses a 5 MB file at 1:1 before reading it', async () => {
    const path = await write('big.yml', pipeline(`x-a: "${'x'.repeat(5_000_000)}"\n`));
    const error = await refused(path);
    expect([error.line, error.col]).toEqual([1, 1]);
    expect(formatIssue(error)).toMatch(
      new RegExp(`^${path}:1:1: error: the file is 4\\.8 MiB; a spec file may be at most 1\\.0 MiB — `),
    );
  });

  it.skipIf(!existsSync('/dev/zero'))('reads no more than the limit of a file that never ends', async () => {
    const result = await loadPipelineFile('/dev/zero');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^\/dev\/zero:1:1: error: the file is more than 1\.0 MiB; a spec file may be at most 1\.0 MiB/,
      ),
    ]);
  });

  it('refuses invalid UTF-8 at the line and column of the first bad byte', async () => {
    const bytes = Buffer.concat([Buffer.from(`${HEAD}name: "café `), Buffer.from([0xe9]), Buffer.from('"\n')]);
    const error = await refused(await write('latin1.yml', bytes));
    expect([error.line, error.col, error.message]).toEqual([5, 13, 'the file is not valid UTF-8 (byte 0xe9)']);
    expect(error.hint).toMatch(/save the file as UTF-8/);
  });

  it('recognises a UTF-16 file', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(HEAD, 'utf16le')]);
    const error = await refused(await write('utf16.yml', bytes));
    expect([error.line, error.col]).toEqual([1, 1]);
    expect(error.hint).toBe('the file is UTF-16: save it as UTF-8');
  });

  it('refuses an overlong UTF-8 encoding (a classic filter bypass)', async () => {
    const bytes = Buffer.concat([Buffer.from(`${HEAD}name: a`), Buffer.from([0xc0, 0xaf]), Buffer.from('\n')]);
    const error = await refused(await write('overlong.yml', bytes));
    expect([error.line, error.col]).toEqual([5, 8]);
  });

  it('accepts a UTF-8 file with a byte order mark', async () => {
    const result = await loadPipelineFile(await write('bom.yml', `\uFEFF${HEAD}`));
    expect(result.ok).toBe(true);
  });

  it('validates UTF-8 exactly as Node.js does', () => {
    const samples = [
      [0x41],
      [0xc3, 0xa9],
      [0xe2, 0x82, 0xac],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xc3],
      [0xe2, 0x82],
      [0x80],
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xef, 0xbf, 0xbf],
      [0xf4, 0x8f, 0xbf, 0xbf],
    ];
    for (const sample of samples) {
      const bytes = Buffer.from([0x61, ...sample, 0x62]);
      expect(firstInvalidUtf8(bytes) === undefined, bytes.toString('hex')).toBe(isUtf8(bytes));
    }
  });
});
