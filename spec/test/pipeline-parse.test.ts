import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatIssue, type SpecIssue } from '../src/issues.js';
import { loadPipelineFile, parsePipelineYaml } from '../src/pipeline-parse.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function parse(text: string) {
  return parsePipelineYaml(text, 'pipeline.yml');
}

function errorsOf(text: string): SpecIssue[] {
  const result = parse(text);
  expect(result.ok, 'expected errors').toBe(false);
  const { errors } = result as Extract<typeof result, { ok: false }>;
  for (const e of errors) {
    expect(e.line, formatIssue(e)).toBeGreaterThan(0);
    expect(e.col, formatIssue(e)).toBeGreaterThan(0);
  }
  return errors;
}

function onlyError(text: string): SpecIssue {
  const errors = errorsOf(text);
  expect(errors.map(formatIssue)).toHaveLength(1);
  return errors[0] as SpecIssue;
}

/** A pipeline of top-level steps, each given as YAML lines (indented under `- `). */
function steps(...items: string[]): string {
  return `version: "1"\nsteps:\n${items.map((s) => `  - ${s.trim().split('\n').join('\n    ')}`).join('\n')}\n`;
}

describe('parsePipelineYaml: valid pipelines', () => {
  it('parses stages and steps, filling needs from the previous stage', async () => {
    const result = await loadPipelineFile(fixture('valid.yml'));
    expect(result.warnings).toEqual([]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const p = result.value;
    expect(p).toMatchObject({
      version: '1',
      name: 'web',
      priority: 5,
      secrets: ['DEPLOY_TOKEN'],
      envs: { REGION: 'eu-west-1' },
    });
    expect(p.params).toEqual({
      target: { type: 'string', default: 'staging', loc: { file: fixture('valid.yml'), line: 6, col: 3 } },
      replicas: { type: 'number', default: 2, loc: { file: fixture('valid.yml'), line: 7, col: 3 } },
    });
    expect(p.steps.map((s) => [s.id, s.needs, s.stage])).toEqual([
      ['checkout', [], 0],
      ['build', ['checkout'], 1],
      ['lint', ['checkout'], 1],
      ['deploy', ['build', 'lint'], undefined],
      ['notify', ['deploy'], undefined],
    ]);
    const build = p.steps[1];
    expect(build).toMatchObject({
      uses: 'acme/payments/builder@~1.2',
      action: { name: 'acme/payments/builder', range: '~1.2' },
      timeout: 600,
      retry: { count: 2, backoffSeconds: 5, factor: 3, maxSeconds: 60 },
      executor: 'docker',
      image: 'node:20',
      caches: [{ key: 'npm-${{ params.target }}', path: '~/.npm' }],
      loc: { line: 16, col: 7 },
    });
    expect(p.steps[2]).toMatchObject({
      uses: 'caravan/shell@^1',
      action: { name: 'caravan/shell', range: '^1' },
      with: { run: 'npm run lint' },
      retry: { count: 1, backoffSeconds: 10, factor: 2, maxSeconds: 300 },
    });
    expect(p.steps[3]?.action).toEqual({ name: '~alice/deploy', range: '1.x' });
    expect(p.steps[4]?.if).toBe('always()');
  });

  it('names the pipeline after its file when name is missing, and accepts version 1 as a number', () => {
    const result = parsePipelineYaml('version: 1\nsteps:\n  - id: a\n    run: echo\n', 'dir/build.yml');
    expect(result).toMatchObject({
      ok: true,
      value: { name: 'build', priority: 0, params: {}, envs: {}, secrets: [] },
    });
  });

  it('allows x- keys for YAML anchors, merged into steps with <<', () => {
    const result = parse(
      'version: "1"\nx-defaults: &d { uses: "a/b@1", timeout: 5m }\nsteps:\n  - <<: *d\n    id: a\n  - <<: *d\n    id: b\n    timeout: 1m\n',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.steps.map((s) => [s.id, s.uses, s.timeout])).toEqual([
      ['a', 'a/b@1', 300],
      ['b', 'a/b@1', 60],
    ]);
  });

  it('accepts Erda 1.1 stages with `- <type>: {alias, version, params}` steps', () => {
    const text = `version: "1.1"
stages:
  - stage:
      - git-checkout:
          alias: repo
          version: "1.0"
          params: { depth: 1 }
  - stage:
      - custom-script:
          alias: build
          image: node:20
          commands:
            - cd \${{ dirs.repo }}
            - make
          timeout: 3600
      - java-lint:
`;
    const result = parse(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.steps.map((s) => [s.id, s.uses, s.needs, s.stage])).toEqual([
      ['repo', 'caravan/git-checkout@1.0', [], 0],
      ['build', 'caravan/shell@^1', ['repo'], 1],
      ['java-lint', 'caravan/java-lint@*', ['repo'], 1],
    ]);
    expect(result.value.steps[0]?.with).toEqual({ depth: 1 });
    expect(result.value.steps[1]).toMatchObject({
      with: { run: 'cd ${{ dirs.repo }}\nmake' },
      image: 'node:20',
      timeout: 3600,
    });
  });
});

describe('parsePipelineYaml: the fixture with three mistakes', () => {
  it('reports exactly three errors, each with file:line:col', async () => {
    const file = fixture('three-errors.yml');
    const result = await loadPipelineFile(file);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(formatIssue)).toEqual([
      `${file}:9:7: error: unknown key "timout" in stages[1][0] [stages[1][0].timout] — did you mean "timeout"?`,
      `${file}:15:13: error: needs form a cycle: test → package → test [steps[0].needs[0]] — remove one of these needs, or move a step to another stage`,
      `${file}:22:37: error: steps.deploy: there is no step "deploy" [steps[1].with.run] — reference the id of an earlier step`,
    ]);
  });
});

describe('parsePipelineYaml: every rule has a failing example', () => {
  const ok = '  - id: a\n    run: echo\n';
  it.each([
    ['version missing', `steps:\n${ok}`, 1, /missing required key "version"/],
    ['version unknown', `version: "2"\nsteps:\n${ok}`, 1, /version must be "1"/],
    ['unknown top-level key', `version: "1"\nenv: {A: b}\nsteps:\n${ok}`, 2, /unknown key "env".*/],
    ['neither stages nor steps', 'version: "1"\nname: x\n', 1, /needs stages or steps/],
    ['name not a string', `version: "1"\nname: [x]\nsteps:\n${ok}`, 2, /name must be a string/],
    ['priority not an integer', `version: "1"\npriority: high\nsteps:\n${ok}`, 2, /priority must be an integer/],
    [
      'param key misspelt',
      `version: "1"\nparams:\n  x: { type: string, requird: true }\nsteps:\n${ok}`,
      3,
      /unknown key "requird" in params.x/,
    ],
    [
      'param type unknown',
      `version: "1"\nparams:\n  x: { type: int }\nsteps:\n${ok}`,
      3,
      /must be one of string, number, boolean/,
    ],
    [
      'param default of the wrong type',
      `version: "1"\nparams:\n  x: { type: number, default: lots }\nsteps:\n${ok}`,
      3,
      /default "lots" of param "x" is not a number/,
    ],
    [
      'param default not a scalar',
      `version: "1"\nparams:\n  x: { default: [1] }\nsteps:\n${ok}`,
      3,
      /must be a string or a number or true or false/,
    ],
    ['env value is a mapping', `version: "1"\nenvs:\n  A: { b: 1 }\nsteps:\n${ok}`, 3, /envs.A must be a string/],
    ['env name invalid', `version: "1"\nenvs:\n  A-B: x\nsteps:\n${ok}`, 3, /invalid name "A-B"/],
    ['secrets not a list', `version: "1"\nsecrets: TOKEN\nsteps:\n${ok}`, 2, /secrets must be a list/],
    ['secret name invalid', `version: "1"\nsecrets: [my-token]\nsteps:\n${ok}`, 2, /secret names contain letters/],
    ['secrets repeated', `version: "1"\nsecrets: [A, A]\nsteps:\n${ok}`, 2, /duplicate items/],
    ['stages not a list', 'version: "1"\nstages: build\n', 2, /stages must be a list/],
    ['stage not a list', 'version: "1"\nstages:\n  - build\n', 3, /a stage is a list of steps/],
    ['step without id', steps('run: echo'), 3, /missing required key "id"/],
    ['step id invalid', steps('id: Build Step\nrun: echo'), 3, /step ids are lowercase/],
    ['step with neither uses nor run', steps('id: a\nwith: {}'), 3, /exactly one of uses .* or run/],
    ['step with both uses and run', steps('id: a\nuses: a/b@1\nrun: echo'), 3, /exactly one of uses .* or run/],
    ['uses malformed', steps('id: a\nuses: Git-Checkout'), 4, /must be scope\/name@range/],
    ['uses without a range', steps('id: a\nuses: caravan/git'), 4, /must be scope\/name@range/],
    ['uses with an invalid range', steps('id: a\nuses: caravan/git@latest'), 4, /"latest" is not a semver range/],
    ['step key misspelt', steps('id: a\nrun: echo\nneeds: []\ntimeuot: 5'), 6, /unknown key "timeuot".*/],
    ['with not a mapping', steps('id: a\nuses: a/b@1\nwith: [x]'), 5, /with must be a mapping/],
    ['if not a string', steps('id: a\nrun: echo\nif: [x]'), 5, /if must be a string or true or false/],
    ['timeout malformed', steps('id: a\nrun: echo\ntimeout: 5 min'), 5, /timeout must be a duration/],
    ['retry negative', steps('id: a\nrun: echo\nretry: -1'), 5, /retry must be >= 0/],
    [
      'retry key misspelt',
      steps('id: a\nrun: echo\nretry: { count: 2, backof: 5s }'),
      5,
      /unknown key "backof" in steps\[0\].retry/,
    ],
    ['retry factor below 1', steps('id: a\nrun: echo\nretry: { count: 2, factor: 0.5 }'), 5, /factor must be >= 1/],
    ['retry of the wrong type', steps('id: a\nrun: echo\nretry: often'), 5, /must be a number of retries or \{count/],
    ['priority not an integer', steps('id: a\nrun: echo\npriority: 1.5'), 5, /priority must be an integer/],
    [
      'executor unknown',
      steps('id: a\nrun: echo\nexecutor: dokcer'),
      5,
      /executor must be one of process, docker, k8s/,
    ],
    ['image empty', steps('id: a\nrun: echo\nimage: ""'), 5, /must NOT have fewer than 1 characters/],
    ['file without path', steps('id: a\nrun: echo\nfiles: [{ name: x }]'), 5, /missing required key "path"/],
    ['cache without key', steps('id: a\nrun: echo\ncaches: [{ path: x }]'), 5, /missing required key "key"/],
    ['needs not a list', steps('id: a\nrun: echo\nneeds: b'), 5, /needs must be a list/],
    [
      'needs an unknown step',
      steps('id: a\nrun: echo\nneeds: [bulid]', 'id: build\nrun: echo'),
      5,
      /needs "bulid": there is no step "bulid"/,
    ],
    ['needs itself', steps('id: a\nrun: echo\nneeds: [a]'), 5, /needs form a cycle: a → a/],
    [
      'duplicate ids',
      steps('id: a\nrun: echo', 'id: a\nrun: echo'),
      5,
      /duplicate step id "a" \(first used at line 3\)/,
    ],
    [
      'duplicate ids across stages and steps',
      'version: "1"\nstages:\n  - - id: a\n      run: x\nsteps:\n  - id: a\n    run: y\n',
      6,
      /duplicate step id "a"/,
    ],
    ['run and with.run both set', steps('id: a\nrun: echo\nwith: { run: ls }'), 5, /both run and with.run are set/],
    [
      'reference to a later step',
      steps('id: a\nrun: echo ${{ steps.b.outputs.x }}', 'id: b\nrun: echo'),
      4,
      /step "b" does not run before step "a"/,
    ],
    [
      'reference to a parallel step',
      'version: "1"\nstages:\n  - - id: a\n      run: x\n    - id: b\n      run: echo ${{ steps.a.outputs.x }}\n',
      6,
      /step "a" does not run before step "b"/,
    ],
    [
      'reference to a missing step',
      steps('id: a\nrun: echo ${{ steps.nope.outputs.x }}'),
      4,
      /there is no step "nope"/,
    ],
    ['reference to itself', steps('id: a\nrun: echo ${{ steps.a.outputs.x }}'), 4, /cannot read its own results/],
    [
      'reference to an unknown step field',
      steps('id: a\nrun: echo', 'id: b\nneeds: [a]\nrun: echo ${{ steps.a.output.x }}'),
      7,
      /unknown field "output" of step "a"/,
    ],
    [
      'Erda outputs of a non-ancestor',
      steps('id: a\nrun: echo ${{ outputs.b.x }}', 'id: b\nrun: echo'),
      4,
      /outputs.b: step "b" does not run before/,
    ],
    ['Erda dirs of a missing step', steps('id: a\nrun: cd ${{ dirs.repo }}'), 4, /dirs.repo: there is no step "repo"/],
    [
      'reference to an unknown param',
      `version: "1"\nparams: { target: {} }\nsteps:\n  - id: a\n    run: echo \${{ params.traget }}\n`,
      5,
      /unknown param "traget"/,
    ],
    ['unknown run field', steps('id: a\nrun: echo ${{ run.number }}'), 4, /unknown field "run.number"/],
    [
      'pipeline envs reading a step',
      `version: "1"\nenvs: { A: '\${{ steps.a.outputs.x }}' }\nsteps:\n${ok}`,
      2,
      /pipeline envs cannot read step results/,
    ],
    [
      'malformed expression in with',
      steps('id: a\nuses: a/b@1\nwith: { x: "${{ params.x == }}" }'),
      5,
      /invalid expression: unexpected end/,
    ],
    ['unclosed ${{ in env', steps('id: a\nrun: echo\nenv: { A: "${{ params.x" }'), 5, /invalid expression: unclosed/],
    ['unknown context in if', steps('id: a\nrun: echo\nif: configs.x'), 5, /unknown context "configs"/],
    [
      'text around the expression in if',
      steps('id: a\nrun: echo\nif: ${{ always() }} && true'),
      5,
      /a condition is one expression/,
    ],
    ['param name invalid', `version: "1"\nparams:\n  my param: {}\nsteps:\n${ok}`, 3, /invalid name "my param"/],
    ['step env name invalid', steps('id: a\nrun: echo\nenv: { 1X: y }'), 5, /invalid name "1X"/],
    [
      'step env value a list',
      steps('id: a\nrun: echo\nenv: { X: [y] }'),
      5,
      /env.X must be a string or a number or true or false/,
    ],
    ['step file name invalid', steps('id: a\nrun: echo\nfiles: [{ name: "a b", path: x }]'), 5, /name must match/],
    [
      'needs repeated',
      steps('id: a\nrun: echo', 'id: b\nrun: echo\nneeds: [a, a]'),
      7,
      /must NOT have duplicate items/,
    ],
    ['needs entry not a string', steps('id: a\nrun: echo\nneeds: [1]'), 5, /needs\[0\] must be a string/],
    [
      'Erda stage wrapper with an unknown key',
      'version: "1.1"\nstages:\n  - stage: []\n    name: x\n',
      4,
      /unknown key "name" in stages\[0\]/,
    ],
    [
      'Erda action type invalid',
      'version: "1.1"\nstages:\n  - stage:\n      - Git_Checkout: {}\n',
      4,
      /an action type is lowercase/,
    ],
    [
      'Erda alias invalid',
      'version: "1.1"\nstages:\n  - stage:\n      - git-checkout: { alias: "a b" }\n',
      4,
      /alias must match/,
    ],
    [
      'Erda step with an invalid version',
      'version: "1.1"\nstages:\n  - stage:\n      - git-checkout: { version: "one" }\n',
      4,
      /"one" is not a semver range/,
    ],
    [
      'Erda step with an unknown key',
      'version: "1.1"\nstages:\n  - stage:\n      - git-checkout: { alias: x, parms: {} }\n',
      4,
      /unknown key "parms".*/,
    ],
  ])('%s', (_label, text, line, message) => {
    const error = onlyError(text);
    expect(formatIssue(error)).toMatch(message);
    expect(error.line).toBe(line);
  });

  it('does not take a lone misspelt key for an Erda step', () => {
    const errors = errorsOf('version: "1"\nstages:\n  - - ruun: echo\n');
    expect(errors.map(formatIssue)).toEqual([
      'pipeline.yml:3:7: error: missing required key "id" in stages[0][0] [stages[0][0].id] — add id:',
      'pipeline.yml:3:7: error: unknown key "ruun" in stages[0][0] [stages[0][0].ruun] — did you mean "run"?',
    ]);
  });

  it('suggests keys, steps, executors and params', () => {
    expect(onlyError(steps('id: a\nrun: echo\nneeds: []\ntimeuot: 5')).hint).toBe('did you mean "timeout"?');
    expect(onlyError(steps('id: a\nrun: echo\nexecutor: dokcer')).hint).toBe('did you mean "docker"?');
    expect(onlyError(steps('id: a\nrun: echo\nneeds: [bulid]', 'id: build\nrun: echo')).hint).toBe(
      'did you mean "build"?',
    );
    expect(
      onlyError(`version: "1"\nparams: { target: {} }\nsteps:\n  - id: a\n    run: echo \${{ params.traget }}\n`).hint,
    ).toBe('did you mean "target"?');
    expect(onlyError(steps('id: a\nrun: echo ${{ steps.a.outputs.x }}')).key).toBe('steps[0].run');
  });

  it('points at the expression inside the value', () => {
    const error = onlyError(steps('id: a\nuses: a/b@1\nwith:\n  x: "prefix ${{ steps.zz.outputs.y }}"'));
    expect([error.line, error.col]).toEqual([6, 22]);
    const block = onlyError(steps('id: a\nuses: a/b@1\nwith:\n  script: |\n    echo one\n    echo ${{ params.nope }}'));
    expect([block.line, block.col]).toEqual([8, 18]);
  });

  it('reports each cycle once with its path', () => {
    const errors = errorsOf(
      steps(
        'id: a\nrun: x\nneeds: [c]',
        'id: b\nrun: x\nneeds: [a]',
        'id: c\nrun: x\nneeds: [b]',
        'id: d\nrun: x\nneeds: [e]',
        'id: e\nrun: x\nneeds: [d]',
      ),
    );
    expect(errors.map((e) => e.message)).toEqual([
      'needs form a cycle: a → c → b → a',
      'needs form a cycle: d → e → d',
    ]);
  });

  it('finds a cycle made by stages plus needs', () => {
    const error = onlyError(
      'version: "1"\nstages:\n  - - id: a\n      run: x\n      needs: [b]\n  - - id: b\n      run: x\n',
    );
    expect(error.message).toBe('needs form a cycle: a → b → a');
  });

  it('warns about a secret that is not declared', () => {
    const result = parse(steps('id: a\nrun: echo\nenv: { T: "${{ secrets.TOKEN }}" }'));
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.message)).toEqual(['secret "TOKEN" is not listed under secrets:']);
  });

  it('collects every error in one pass', () => {
    const errors = errorsOf(
      `version: "3"\nparams: { p: { type: strng } }\nsteps:\n  - id: a\n    run: echo \${{ steps.b.outputs.x }}\n    neeeds: [b]\n  - id: a\n    uses: X\n`,
    );
    expect(errors.map((e) => e.line)).toEqual([1, 2, 5, 6, 7, 8]);
  });

  it('refuses more than 1000 steps with a clear error', () => {
    const many = Array.from({ length: 1001 }, (_, i) => `id: s${i}\nrun: echo`);
    const errors = errorsOf(steps(...many));
    expect(errors.map(formatIssue)).toEqual([
      'pipeline.yml:2003:5: error: a pipeline has at most 1000 steps; this file has 1001 — split it into several pipelines',
    ]);
  });

  it('handles a long chain of steps without exhausting the stack', () => {
    const many = Array.from(
      { length: 1000 },
      (_, i) =>
        `id: s${i}\nrun: echo \${{ steps.s${Math.max(0, i - 1)}.outputs.x }}${i > 0 ? `\nneeds: [s${i - 1}]` : ''}`,
    );
    const result = parse(steps(...many).replace('needs: [s998]', 'needs: [s998, s999]'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.message)).toEqual([
      'steps.s0: step "s0" cannot read its own results',
      'needs form a cycle: s999 → s999',
    ]);
  });
});

describe('parsePipelineYaml: malformed files', () => {
  it.each([
    ['', /the file is empty/],
    ['version: "1"\nsteps: [', /invalid YAML/],
    ['[1, 2]', /must be a mapping/],
    ['version: "1"\nsteps:\n  - id: a\n    with: { x: ${{ params.x }} }', /invalid YAML/],
  ])('%j', (text, message) => {
    const errors = errorsOf(text);
    expect(errors[0]?.message).toMatch(message);
  });
  it('reports deeply nested YAML as an error, not a crash', () => {
    const deep = `version: "1"\nsteps:\n  - id: a\n    uses: a/b@1\n    with:\n      x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const errors = errorsOf(deep);
    expect(errors[0]?.message).toBe('values are nested more than 64 levels deep');
    expect([errors[0]?.line, errors[0]?.col]).toEqual([6, 10 + 64]); // the 65th bracket
  });

  it('explains ${{ }} inside a YAML flow mapping', () => {
    const errors = errorsOf('version: "1"\nsteps:\n  - { id: a, run: ${{ params.x }} }\n');
    expect(errors.length).toBeLessThanOrEqual(4);
    expect(errors[0]?.hint).toMatch(/quote values that contain \$\{\{ \}\}/);
  });
  it('says clearly when the file is missing', async () => {
    const result = await loadPipelineFile('/nonexistent/pipeline.yml');
    expect(result).toMatchObject({
      ok: false,
      errors: [
        { file: '/nonexistent/pipeline.yml', line: 0, message: 'no pipeline file at /nonexistent/pipeline.yml' },
      ],
    });
  });
  it('refuses a folder', async () => {
    const result = await loadPipelineFile(fileURLToPath(new URL('./fixtures', import.meta.url)));
    expect(result).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/is a folder/) }] });
  });
});
