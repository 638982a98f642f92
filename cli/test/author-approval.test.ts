/** caravan/approval in a real run: the step waits until `caravan approve RUN STEP` (or --reject) decides. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { bin, caravan, ensureBuilt } from './author-helpers.js';

// Every step here is a real `caravan` process: slow on a busy machine, so a generous budget.
vi.setConfig({ testTimeout: 240_000 });

let work: string;
beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'caravan-approval-'));
  writeFileSync(
    join(work, 'pipeline.yml'),
    `version: "1"
name: gated
steps:
  - id: gate
    uses: caravan/approval@^1
    with:
      message: Deploy to production?
      interval: 0.1
  - id: deploy
    needs: [gate]
    uses: caravan/echo@^1
    with:
      message: deploying, approved by \${{ steps.gate.outputs.by }} (\${{ steps.gate.outputs.comment }})
`,
  );
});

/** Starts the run, answers once the gate step is running, and returns the run's output. */
async function runAndDecide(
  home: string,
  decide: string[],
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const run = execa(process.execPath, [bin, 'run', 'pipeline.yml'], {
    cwd: work,
    env: { CARAVAN_HOME: home, CI: '1' },
    reject: false,
  });
  let out = '';
  let decided = false;
  run.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const runId = /^run (\S+)$/m.exec(out)?.[1];
    if (!decided && runId && /step gate running/.test(out)) {
      decided = true;
      void caravan(['approve', runId, 'gate', ...decide], { cwd: work, env: { CARAVAN_HOME: home, USER: 'alice' } });
    }
  });
  const result = await run;
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

describe('caravan/approval with caravan approve', () => {
  it('goes on once approved, handing on who approved and why', async () => {
    const home = join(work, 'home-approve');
    const result = await runAndDecide(home, ['--comment', 'ship it']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/step deploy success/);
    const runId = /^run (\S+)$/m.exec(result.stdout)?.[1] ?? '';
    const show = await caravan(['runs', 'show', runId, '--json'], { cwd: work, env: { CARAVAN_HOME: home } });
    const steps = (JSON.parse(show.stdout) as { steps: Array<{ stepId: string; outputs: Record<string, string> }> })
      .steps;
    expect(steps.find((s) => s.stepId === 'gate')?.outputs).toMatchObject({ decision: 'approved', comment: 'ship it' });
    expect(steps.find((s) => s.stepId === 'deploy')?.outputs.message).toMatch(
      /^deploying, approved by \S+ \(ship it\)$/,
    );
  });

  it('fails the gate and skips what follows when rejected', async () => {
    const result = await runAndDecide(join(work, 'home-reject'), ['--reject', '--comment', 'freeze week']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toMatch(/step gate failed/);
    expect(result.stdout).toMatch(/step deploy skipped/);
    expect(result.stderr).toMatch(/rejected by \S+: freeze week/);
  });
});
