/**
 * `caravan action init` scaffolds an action that passes its own tests right after npm install; `caravan action test`
 * runs them.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { agentBundle, bin, caravan, ensureBuilt } from './author-helpers.js';

// Every step here is a real `caravan` process: slow on a busy machine, so a generous budget.
vi.setConfig({ testTimeout: 240_000 });

let work: string;
beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'caravan-init-'));
});

describe('caravan action init', () => {
  it('scaffolds a node action whose own tests pass after npm install', async () => {
    const init = await caravan(['action', 'init', 'acme/greet', '--description', 'Greets someone politely.', '--yes'], {
      cwd: work,
    });
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toContain('Created acme/greet in greet');
    const dir = join(work, 'greet');
    for (const f of ['action.yml', 'index.mjs', 'README.md', 'package.json', 'test/action.test.mjs'])
      expect(readFileSync(join(dir, f), 'utf8').length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(
      '| `who` | `string` | no | `world` | Who to greet. |',
    );

    const install = await execa('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, reject: false });
    expect(install.exitCode, install.stderr).toBe(0);
    const test = await execa('npm', ['test'], { cwd: dir, reject: false, env: { CARAVAN_AGENT: agentBundle } });
    expect(test.exitCode, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/# pass 3/);

    const viaCaravan = await caravan(['action', 'test'], { cwd: dir });
    expect(viaCaravan.exitCode, viaCaravan.stdout + viaCaravan.stderr).toBe(0);
    expect(viaCaravan.stdout).toMatch(/# fail 0/);
    const docs = await caravan(['action', 'docs', '--check'], { cwd: dir });
    expect(docs.exitCode, docs.stderr).toBe(0);
  });

  it.each(['shell'])('scaffolds a %s action whose tests pass', async (runtime) => {
    const init = await caravan(
      ['action', 'init', `acme/greet-${runtime}`, '--runtime', runtime, '--dir', `g-${runtime}`, '--yes'],
      { cwd: work },
    );
    expect(init.exitCode, init.stderr).toBe(0);
    const test = await caravan(['action', 'test', `g-${runtime}`], { cwd: work });
    expect(test.exitCode, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/# pass 3/);
  });

  it("a fresh scaffold's own npm test finds the agent of the caravan on PATH, or says in one line how to point it at one", async () => {
    const init = await caravan(['action', 'init', 'acme/plain', '--yes'], { cwd: work });
    expect(init.exitCode, init.stderr).toBe(0);
    const dir = join(work, 'plain');
    const binDir = join(work, 'bin');
    mkdirSync(binDir, { recursive: true });
    writeFileSync(join(binDir, 'caravan'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`, { mode: 0o755 });
    const { CARAVAN_AGENT: _ignored, ...rest } = process.env;
    const systemPath = `${dirname(process.execPath)}:/usr/bin:/bin`;
    const npmTest = (path: string) =>
      execa('npm', ['test'], { cwd: dir, reject: false, extendEnv: false, env: { ...rest, PATH: path } });

    const found = await npmTest(`${binDir}:${systemPath}`);
    expect(found.exitCode, found.stdout + found.stderr).toBe(0);
    expect(found.stdout).toMatch(/# pass 3/);

    const none = await npmTest(systemPath);
    expect(none.exitCode).not.toBe(0);
    expect(none.stdout + none.stderr).toContain(
      'caravan-agent not found: put caravan on your PATH (caravan agent path prints its agent), or set CARAVAN_AGENT to an agent (an executable, or agent.cjs run with node)',
    );
  });

  it('caravan agent path prints the agent that comes with this caravan', async () => {
    const path = await caravan(['agent', 'path'], { cwd: work });
    expect(path.exitCode, path.stderr).toBe(0);
    expect(existsSync(path.stdout.trim())).toBe(true);
    const json = await caravan(['agent', 'path', '--json'], { cwd: work });
    const agent = JSON.parse(json.stdout) as { path: string; kind: string };
    expect(agent.path).toBe(path.stdout.trim());
    expect(agent.path).toMatch(
      agent.kind === 'portable' ? /dist\/agent-portable\/caravan-agent$/ : /dist\/agent\.cjs$/,
    );
  });

  it('a failing scaffolded test fails caravan action test with its exit code', async () => {
    await caravan(['action', 'init', 'acme/broken', '--yes'], { cwd: work });
    const index = join(work, 'broken', 'index.mjs');
    writeFileSync(index, readFileSync(index, 'utf8').replace('Hello, ', 'Goodbye, '));
    const test = await caravan(['action', 'test', 'broken'], { cwd: work });
    expect(test.exitCode).not.toBe(0);
    expect(test.stdout).toMatch(/# fail [1-9]/);
  });

  it('rejects bad names, a non-empty folder and a folder without tests, saying how to fix it', async () => {
    const noScope = await caravan(['action', 'init', 'greet', '--yes'], { cwd: work });
    expect(noScope.exitCode).toBe(2);
    expect(noScope.stderr).toMatch(/"greet" has no scope: name the action scope\/name, e\.g\. acme\/greet/);
    const reserved = await caravan(['action', 'init', 'caravan/echo2', '--yes'], { cwd: work });
    expect(reserved.stderr).toMatch(/scope "caravan" is reserved/);
    const upper = await caravan(['action', 'init', 'Acme/Greet', '--yes'], { cwd: work });
    expect(upper.stderr).toMatch(/lowercase letters, digits and "-"/);
    const badRuntime = await caravan(['action', 'init', 'acme/x', '--runtime', 'python', '--yes'], { cwd: work });
    expect(badRuntime.exitCode).not.toBe(0);
    expect(badRuntime.stderr).toMatch(/Expected --runtime=python to be one of: node, shell, image/);
    const missing = await caravan(['action', 'init', '--yes'], { cwd: work });
    expect(missing.stderr).toMatch(/give the action name/);

    mkdirSync(join(work, 'taken'));
    writeFileSync(join(work, 'taken', 'keep.txt'), 'mine');
    const taken = await caravan(['action', 'init', 'acme/taken', '--yes'], { cwd: work });
    expect(taken.exitCode).toBe(1);
    expect(taken.stderr).toMatch(/taken is not empty: choose a new folder with --dir/);
    expect(readFileSync(join(work, 'taken', 'keep.txt'), 'utf8')).toBe('mine');

    const noPkg = await caravan(['action', 'test', 'taken'], { cwd: work });
    expect(noPkg.exitCode).toBe(2);
    expect(noPkg.stderr).toMatch(/has no package\.json: caravan action test runs "npm test"/);
  });
});
