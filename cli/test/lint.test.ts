import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(root, 'spec/test/fixtures');

function caravan(...args: string[]) {
  return execa('node', [join(root, 'bin/caravan.js'), ...args], { cwd: root, reject: false, env: { NO_COLOR: '1' } });
}

let dir: string;

beforeAll(async () => {
  await execa('node', ['scripts/build.mjs'], { cwd: root });
  dir = await mkdtemp(join(tmpdir(), 'caravan-lint-'));
  await mkdir(join(dir, 'good'));
  await writeFile(join(dir, 'good', 'action.yml'), 'name: acme/hello\nversion: 1.0.0\ndescription: Says hello\ninputs:\n  who: { type: string, default: world }\nruns: { node: index.js }\n');
  await mkdir(join(dir, 'bad'));
  await writeFile(join(dir, 'bad', 'action.yml'), 'name: acme/hello\nversion: 1.0\ninputs:\n  who: { type: string, requied: true, defaule: x }\nruns: { node: index.js }\n');
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
    const result = await caravan('pipeline', 'lint', join(fixtures, 'valid.yml'));
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(`ok: ${join(fixtures, 'valid.yml')} (5 steps)`);
    expect(result.stderr).toBe('');
  });

  it('reports a missing file without a stack trace', async () => {
    const missing = await caravan('pipeline', 'lint', join(dir, 'nope.yml'));
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr.trim()).toBe(`${join(dir, 'nope.yml')}: error: no pipeline file at ${join(dir, 'nope.yml')} — pass the path of a pipeline.yml file\n1 error`);
  });

  it('prints the errors as JSON with --json', async () => {
    const file = join(fixtures, 'three-errors.yml');
    const result = await caravan('pipeline', 'lint', file, '--json');
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; errors: Array<{ line: number; col: number; key: string }> };
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
    const result = await execa('node', [join(root, 'bin/caravan.js'), 'action', 'lint'], { cwd: join(dir, 'good'), reject: false });
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
