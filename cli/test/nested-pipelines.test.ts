/** Nested pipelines through the CLI: the nightly example, a cycle refused by lint and run, a child's stored secret. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../test/helpers/ensure-built.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), 'caravan-cli-nested-'));
  env = {
    ...process.env,
    CARAVAN_HOME: home,
    CI: '1',
    CARAVAN_DATABASE_URL: '',
    CARAVAN_REGISTRY: '',
    CARAVAN_SECRET_KEY: '',
  };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function caravan(args: string[], input = '') {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'caravan.js'), ...args], {
    cwd: root,
    env,
    input,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function write(path: string, text: string): string {
  const file = join(home, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe('nested pipelines from the CLI', () => {
  it('runs examples/nightly: the deploy pipeline as a step, its outputs read by the next step', () => {
    const r = caravan(['run', 'examples/nightly/pipeline.yml']);
    expect(r.code, r.stderr).toBe(0);
    const id = /^run (\S+)/m.exec(r.stdout)![1]!;
    const logs = caravan(['logs', id]).stdout;
    expect(logs).toMatch(/\[announce\] nightly 1\.4\.\d{8} is at https:\/\/staging\.example\.test/);
    expect(logs).toContain(`ran pipeline deploy as run ${id}.deploy.1 (success)`);
  });

  it('refuses a cycle between files before anything starts, at file:line:col', () => {
    const a = write('cycle/a.yml', 'version: "1"\nsteps:\n  - id: to-b\n    uses: ./b.yml\n');
    write('cycle/b.yml', 'version: "1"\nsteps:\n  - id: to-a\n    uses: ./a.yml\n');
    for (const [args, code] of [
      [['pipeline', 'lint', a], 1],
      [['run', a], 2],
    ] as const) {
      const r = caravan([...args]);
      expect(r.code).toBe(code);
      expect(r.stdout + r.stderr).toMatch(
        /cycle\/b\.yml:3:5: error: step "to-a": nested pipelines form a cycle: .*a\.yml → .*b\.yml → .*a\.yml/,
      );
      expect(r.stdout).not.toMatch(/^run /m);
    }
  });

  it("fills a nested pipeline's declared secret from the store, masked in its logs", () => {
    write(
      'sec/child.yml',
      'version: "1"\nname: child\nsecrets: [CHILD_TOKEN]\nsteps:\n  - id: use\n    run: echo "token $CHILD_TOKEN"\n',
    );
    const top = write('sec/top.yml', 'version: "1"\nname: top\nsteps:\n  - id: nested\n    uses: ./child.yml\n');
    const missing = caravan(['run', top]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('secret CHILD_TOKEN declared by pipeline "child" is neither given nor stored');
    expect(caravan(['secrets', 'set', 'CHILD_TOKEN', '--pipeline', 'child'], 'child-s3cret-991').code).toBe(0);
    const r = caravan(['run', top]);
    expect(r.code, r.stderr).toBe(0);
    const id = /^run (\S+)/m.exec(r.stdout)![1]!;
    const logs = caravan(['logs', `${id}.nested.1`]).stdout;
    expect(logs).toContain('token ***');
    expect(logs + r.stdout + r.stderr).not.toContain('child-s3cret-991');
  });
});
