/** examples/ci/pipeline.yml runs green on the process executor, and its second run builds from the cache. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { caravan, ensureBuilt, root } from './author-helpers.js';

// Every step here is a real `caravan` process: slow on a busy machine, so a generous budget.
vi.setConfig({ testTimeout: 240_000 });

interface StepRecord {
  stepId: string;
  status: string;
  outputs: Record<string, string>;
}

let work: string;
let repo: string;

beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'caravan-ci-example-'));
  repo = join(work, 'sample-app.git');
  execFileSync('sh', [join(root, 'examples/ci/make-repo.sh'), repo], { stdio: 'pipe' });
});

async function runCi(home: string): Promise<{ runId: string; steps: Map<string, StepRecord> }> {
  const run = await caravan(['run', join(root, 'examples/ci/pipeline.yml'), '--param', `repo=file://${repo}`], {
    cwd: work,
    env: { CARAVAN_HOME: home },
  });
  expect(run.exitCode, run.stdout + run.stderr).toBe(0);
  const runId = /^run (\S+)$/m.exec(run.stdout)?.[1] ?? '';
  const show = await caravan(['runs', 'show', runId, '--json'], { cwd: work, env: { CARAVAN_HOME: home } });
  const steps = (JSON.parse(show.stdout) as { steps: StepRecord[] }).steps;
  return { runId, steps: new Map(steps.map((s) => [s.stepId, s])) };
}

describe('examples/ci/pipeline.yml', () => {
  it('checks out, builds, tests, caches and passes the build on as an artifact; the second run reuses the cache', async () => {
    const home = join(work, 'home');
    const first = await runCi(home);
    expect([...first.steps.values()].every((s) => s.status === 'success')).toBe(true);
    expect(first.steps.get('checkout')?.outputs).toMatchObject({ branch: 'main', message: 'Sample app' });
    expect(first.steps.get('restore')?.outputs.hit).toBe('false');
    expect(first.steps.get('build')?.outputs.compiled).toBe('2');
    expect(first.steps.get('save')?.outputs.saved).toBe('true');
    expect(first.steps.get('upload')?.outputs.files).toBe('3');
    expect(readdirSync(join(home, 'artifacts', first.runId, 'dist')).sort()).toEqual([
      'build-info.json',
      'mean.js',
      'sum.js',
    ]);

    const second = await runCi(home);
    expect(second.steps.get('restore')?.outputs).toMatchObject({
      hit: 'true',
      'matched-key': first.steps.get('cachekey')?.outputs.key,
    });
    expect(second.steps.get('build')?.outputs.compiled).toBe('0');
    expect(second.steps.get('info')?.outputs.reused).toBe('2');
    expect(second.steps.get('save')?.outputs.saved).toBe('false');
    expect(existsSync(join(home, 'artifacts', second.runId, 'dist', 'sum.js'))).toBe(true);
  });

  it('fails at checkout, with the reason, when the repository does not exist', async () => {
    const run = await caravan(
      ['run', join(root, 'examples/ci/pipeline.yml'), '--param', `repo=file://${join(work, 'missing.git')}`],
      {
        cwd: work,
        env: { CARAVAN_HOME: join(work, 'home-missing') },
      },
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(/step checkout failed/);
    expect(run.stdout).toMatch(/step build skipped/);
    expect(run.stderr).toMatch(/listing the references failed for file:\/\/.*missing\.git/);
  });
});
