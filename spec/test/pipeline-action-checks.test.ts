import { describe, expect, it } from 'vitest';
import type { ActionSpec } from '../src/action-types.js';
import { formatIssue } from '../src/issues.js';
import { checkActionUsage } from '../src/pipeline-action-checks.js';
import { parsePipelineYaml } from '../src/pipeline-parse.js';
import type { Pipeline } from '../src/pipeline-types.js';

function action(name: string, o: Partial<ActionSpec> = {}): ActionSpec {
  return {
    name,
    version: '1.0.0',
    description: 'test',
    inputs: {},
    outputs: {},
    runs: { command: 'true' },
    files: [],
    caches: [],
    ...o,
  };
}

const deploy = action('acme/deploy', {
  inputs: {
    target: { type: 'string', required: true, description: 'where to deploy' },
    mode: { type: 'string', default: 'rolling', enum: ['rolling', 'blue-green'] },
    replicas: { type: 'number', default: 1 },
    legacy: { type: 'string', deprecationMessage: 'use mode instead' },
  },
  outputs: { url: { type: 'string' }, version: { type: 'string' } },
});

function parse(yaml: string): Pipeline {
  const r = parsePipelineYaml(yaml, 'p.yml');
  if (!r.ok) throw new Error(r.errors.map(formatIssue).join('\n'));
  return r.value;
}

const lines = (
  issues: { file: string; line: number; col: number; severity: string; message: string; hint?: string }[],
) => issues.map((i) => formatIssue({ ...i, severity: i.severity as 'error' | 'warning' }));

describe('checkActionUsage', () => {
  it('names a missing required input at the step, with the input description', () => {
    const p = parse('version: "1"\nsteps:\n  - id: ship\n    uses: acme/deploy@^1\n    with:\n      mode: rolling\n');
    const r = checkActionUsage(p, new Map([['ship', deploy]]));
    expect(lines(r.errors)).toEqual([
      'p.yml:3:5: error: step "ship": acme/deploy needs input "target" [steps.ship.with] — add it under with: (where to deploy)',
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('warns about an unknown input at its key, with the closest declared one', () => {
    const p = parse(
      'version: "1"\nsteps:\n  - id: ship\n    uses: acme/deploy@^1\n    with:\n      target: prod\n      replica: 3\n',
    );
    const r = checkActionUsage(p, new Map([['ship', deploy]]));
    expect(r.errors).toEqual([]);
    expect(lines(r.warnings)).toEqual([
      'p.yml:7:7: warning: step "ship": acme/deploy has no input "replica"; the action gets it as INPUT_REPLICA but is unlikely to read it [steps.ship.with.replica] — did you mean "replicas"?',
    ]);
  });

  it('refuses a literal outside the enum, but not an expression, and warns about a deprecated input', () => {
    const p = parse(
      'version: "1"\nparams:\n  m: { type: string }\nsteps:\n  - id: a\n    uses: acme/deploy@^1\n    with: { target: x, mode: canary, legacy: "y" }\n  - id: b\n    uses: acme/deploy@^1\n    with: { target: x, mode: "${{ params.m }}" }\n',
    );
    const r = checkActionUsage(
      p,
      new Map([
        ['a', deploy],
        ['b', deploy],
      ]),
    );
    expect(r.errors.map((e) => e.message)).toEqual([
      'step "a": input "mode" of acme/deploy must be one of "rolling", "blue-green", got "canary"',
    ]);
    expect(r.warnings.map((e) => e.message)).toEqual([
      'step "a": input "legacy" of acme/deploy is deprecated: use mode instead',
    ]);
  });

  it('warns where a later step reads an output the action does not declare, in both reference forms', () => {
    const p = parse(
      [
        'version: "1"',
        'steps:',
        '  - id: ship',
        '    uses: acme/deploy@^1',
        '    with: { target: prod }',
        '  - id: check',
        '    needs: [ship]',
        '    run: curl "${{ steps.ship.outputs.url }}" && echo "${{ steps.ship.outputs.urls }}"',
        '  - id: erda',
        '    needs: [check]',
        '    run: echo "${{ outputs.ship.versoin }} ${{ steps.check.outputs.anything }}"',
        '',
      ].join('\n'),
    );
    const shell = action('caravan/shell', {
      inputs: { run: { type: 'string', required: true } },
      outputs: { 'exit-code': { type: 'number' } },
      dynamicOutputs: true,
    });
    const r = checkActionUsage(
      p,
      new Map([
        ['ship', deploy],
        ['check', shell],
        ['erda', shell],
      ]),
    );
    expect(r.errors).toEqual([]);
    expect(lines(r.warnings)).toEqual([
      'p.yml:8:60: warning: steps.ship.outputs.urls: acme/deploy declares no output "urls"; it reads as an empty string unless the action sets it anyway [steps.check] — did you mean "url"?',
      'p.yml:11:20: warning: steps.ship.outputs.versoin: acme/deploy declares no output "versoin"; it reads as an empty string unless the action sets it anyway [steps.erda] — did you mean "version"?',
    ]);
  });

  it('warns about a literal of the wrong type, but not about strings that read as the type or about expressions', () => {
    const p = parse(
      'version: "1"\nparams:\n  n: { type: string }\nsteps:\n  - id: a\n    uses: acme/deploy@^1\n    with: { target: [x], replicas: many }\n  - id: b\n    uses: acme/deploy@^1\n    with: { target: x, replicas: "3" }\n  - id: c\n    uses: acme/deploy@^1\n    with: { target: x, replicas: "${{ params.n }}" }\n',
    );
    const r = checkActionUsage(
      p,
      new Map([
        ['a', deploy],
        ['b', deploy],
        ['c', deploy],
      ]),
    );
    expect(r.warnings.map((w) => w.message)).toEqual([
      'step "a": input "target" of acme/deploy is a string, got ["x"]',
      'step "a": input "replicas" of acme/deploy is a number, got "many"',
    ]);
  });

  it('checks nothing for steps whose action is not known', () => {
    const p = parse('version: "1"\nsteps:\n  - id: ship\n    uses: acme/deploy@^1\n    with: { nonsense: 1 }\n');
    expect(checkActionUsage(p, new Map())).toEqual({ errors: [], warnings: [] });
  });
});
