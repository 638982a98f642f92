import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(root, 'spec/test/fixtures');

function caravan(...args: string[]) {
  // no registry: a developer's own `caravan login` must not change what these tests see
  const env = {
    NO_COLOR: '1',
    CARAVAN_HOME: join(dir, 'home'),
    CARAVAN_REGISTRY: '',
    CARAVAN_TOKEN: '',
    CARAVAN_REGISTRY_TOKEN: '',
  };
  return execa('node', [join(root, 'bin/caravan.js'), ...args], { cwd: root, reject: false, env });
}

let dir: string;

beforeAll(async () => {
  await execa('node', ['scripts/build.mjs'], { cwd: root });
  dir = await mkdtemp(join(tmpdir(), 'caravan-lint-'));
  await mkdir(join(dir, 'good'));
  await writeFile(
    join(dir, 'good', 'action.yml'),
    'name: acme/hello\nversion: 1.0.0\ndescription: Says hello\ninputs:\n  who: { type: string, default: world }\nruns: { node: index.js }\n',
  );
  await mkdir(join(dir, 'bad'));
  await writeFile(
    join(dir, 'bad', 'action.yml'),
    'name: acme/hello\nversion: 1.0\ninputs:\n  who: { type: string, requied: true, defaule: x }\nruns: { node: index.js }\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('caravan pipeline lint', () => {
  it('prints the three errors of the fixture with file:line:col and exits 1', async () => {
    const file = join(fixtures, 'three-errors.yml');
    const result = await caravan('pipeline', 'lint', file);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      `${file}:9:7: error: unknown key "timout" in stages[1][0] [stages[1][0].timout] — did you mean "timeout"?`,
      `${file}:15:13: error: needs form a cycle: test → package → test [steps[0].needs[0]] — remove one of these needs, or move a step to another stage`,
      `${file}:22:37: error: steps.deploy: there is no step "deploy" [steps[1].with.run] — reference the id of an earlier step`,
      '3 errors',
    ]);
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('exits 0 with one ok line for a valid pipeline', async () => {
    const file = join(dir, 'valid-builtins.yml');
    await writeFile(
      file,
      'version: "1"\nsteps:\n  - id: hello\n    uses: caravan/echo@^1\n    with: { message: hi }\n  - id: check\n    needs: [hello]\n    uses: caravan/assert@^1\n    with: { actual: "${{ steps.hello.outputs.message }}", expected: hi }\n',
    );
    const result = await caravan('pipeline', 'lint', file);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(`ok: ${file} (2 steps)`);
    expect(result.stderr).toBe('');
  });

  it('lints the full-featured fixture offline, skipping the actions only a registry has', async () => {
    const result = await caravan('pipeline', 'lint', join(fixtures, 'valid.yml'), '--offline');
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('valid.yml:13:7: error: step "checkout": caravan/git-checkout needs input "url"');
    expect(result.stderr).not.toContain('acme/payments/builder');
    expect(result.exitCode).toBe(1);
  });

  it('checks each step against its action: a missing required input fails, a misspelt one and an undeclared output warn', async () => {
    const file = join(dir, 'uses-builtins.yml');
    await writeFile(
      file,
      [
        'version: "1"',
        'steps:',
        '  - id: hello',
        '    uses: caravan/echo@^1',
        '    with:',
        '      mesage: hi',
        '  - id: check',
        '    needs: [hello]',
        '    uses: caravan/assert@^1',
        '    with:',
        '      actual: ${{ steps.hello.outputs.mesage }}',
        '      expected: hi',
        '  - id: later',
        '    needs: [check]',
        '    uses: acme/deploy@^1',
        '',
      ].join('\n'),
    );
    const result = await caravan('pipeline', 'lint', file);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `${file}:6:7: warning: step "hello": caravan/echo has no input "mesage"; the action gets it as INPUT_MESAGE but is unlikely to read it [steps.hello.with.mesage] — did you mean "message"?`,
      `${file}:11:19: warning: steps.hello.outputs.mesage: caravan/echo declares no output "mesage"; it reads as an empty string unless the action sets it anyway [steps.check] — did you mean "message"?`,
      `${file}:13:5: warning: step "later": acme/deploy@^1: acme/deploy is not a built-in action and no registry is configured: run \`caravan login --registry URL\`, pass --registry URL or set CARAVAN_REGISTRY (built-ins are caravan/*) [steps.later.uses] — its inputs and outputs were not checked; \`caravan run\` stops on an action it cannot resolve`,
      `${file}:3:5: error: step "hello": caravan/echo needs input "message" [steps.hello.with] — add it under with: (The text to print. May span several lines.)`,
      '1 error',
    ]);
    const offline = await caravan('pipeline', 'lint', file, '--offline');
    expect(offline.exitCode).toBe(1);
    expect(offline.stderr).not.toContain('acme/deploy');
  });

  it('reports a missing file without a stack trace', async () => {
    const missing = await caravan('pipeline', 'lint', join(dir, 'nope.yml'));
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr.trim()).toBe(
      `${join(dir, 'nope.yml')}: error: no pipeline file at ${join(dir, 'nope.yml')} — pass the path of a pipeline.yml file\n1 error`,
    );
  });

  it('prints the errors as JSON with --json', async () => {
    const file = join(fixtures, 'three-errors.yml');
    const result = await caravan('pipeline', 'lint', file, '--json');
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      errors: Array<{ line: number; col: number; key: string }>;
    };
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => [e.line, e.col, e.key])).toEqual([
      [9, 7, 'stages[1][0].timout'],
      [15, 13, 'steps[0].needs[0]'],
      [22, 37, 'steps[1].with.run'],
    ]);
  });
});

describe('caravan action lint', () => {
  it('lints action.yml in the current folder by default', async () => {
    const result = await execa('node', [join(root, 'bin/caravan.js'), 'action', 'lint'], {
      cwd: join(dir, 'good'),
      reject: false,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe('ok: action.yml (acme/hello@1.0.0)');
  });

  it('lists every error with file:line:col and exits 1', async () => {
    const file = join(dir, 'bad', 'action.yml');
    const result = await caravan('action', 'lint', join(dir, 'bad'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `${file}:2:10: error: version must be a string, found a number 1 [version] — quote it: "1.0"`,
      `${file}:4:24: error: unknown key "requied" in inputs.who [inputs.who.requied] — did you mean "required"?`,
      `${file}:4:39: error: unknown key "defaule" in inputs.who [inputs.who.defaule] — did you mean "default"?`,
      '3 errors',
    ]);
  });

  it('says where action.yml was expected when the folder has none', async () => {
    const result = await caravan('action', 'lint', dir);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'action.yml')}: error: no action.yml file at`);
  });
});
