import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, errorMessages, runAction } from '../../test-helpers.js';

beforeAll(buildAgent);

/** Writes a decision the way `caravan approve` does: a temp file renamed into place. */
function decide(dir: string, runId: string, stepId: string, decision: object) {
  mkdirSync(join(dir, runId), { recursive: true });
  const tmp = join(dir, runId, `.${stepId}.tmp`);
  writeFileSync(tmp, JSON.stringify(decision));
  renameSync(tmp, join(dir, runId, `${stepId}.json`));
}

function approvalEnv() {
  const dir = mkdtempSync(join(tmpdir(), 'caravan-approvals-'));
  return { dir, env: { CARAVAN_APPROVALS_DIR: dir, CARAVAN_RUN_ID: 'run-9', CARAVAN_STEP_ID: 'deploy' } };
}

describe('caravan/approval under the agent', () => {
  it('waits until approved, then outputs the decision', async () => {
    const { dir, env } = approvalEnv();
    const pending = runAction('approval', { message: 'Ship to production?', interval: 0.05, timeout: 30 }, { env });
    setTimeout(
      () =>
        decide(dir, 'run-9', 'deploy', {
          decision: 'approved',
          by: 'alice',
          comment: 'looks good',
          at: new Date().toISOString(),
        }),
      300,
    );
    const run = await pending;
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Ship to production?');
    expect(run.stdout).toContain('caravan approve run-9 deploy');
    expect(run.report.outputs).toMatchObject({ decision: 'approved', by: 'alice', comment: 'looks good' });
  });

  it('fails when rejected, saying by whom and why', async () => {
    const { dir, env } = approvalEnv();
    decide(dir, 'run-9', 'deploy', { decision: 'rejected', by: 'bob', comment: 'freeze week' });
    const run = await runAction('approval', { interval: 0.05 }, { env });
    expect(run.exitCode).not.toBe(0);
    expect(errorMessages(run)).toMatch(/rejected by bob: freeze week/);
    expect(run.report.outputs.decision).toBe('rejected');
  });

  it('times out with the command that would approve it', async () => {
    const { env } = approvalEnv();
    const run = await runAction('approval', { timeout: 0.2, interval: 0.05 }, { env });
    expect(run.exitCode).not.toBe(0);
    expect(errorMessages(run)).toMatch(/no decision within 0\.2s: approve with "caravan approve run-9 deploy" sooner/);
  });

  it('rejects a malformed decision file, bad inputs and a missing environment clearly', async () => {
    const { dir, env } = approvalEnv();
    mkdirSync(join(dir, 'run-9'), { recursive: true });
    writeFileSync(join(dir, 'run-9', 'deploy.json'), '{"decision": "maybe"}');
    expect(errorMessages(await runAction('approval', { interval: 0.05 }, { env }))).toMatch(
      /must have "decision": "approved" or "rejected", got "maybe"/,
    );
    writeFileSync(join(dir, 'run-9', 'deploy.json'), 'not json');
    expect(errorMessages(await runAction('approval', { interval: 0.05 }, { env }))).toMatch(/is not valid JSON/);
    expect(errorMessages(await runAction('approval', { timeout: 'forever' }, { env }))).toMatch(
      /input "timeout" must be a number, got "forever"/,
    );
    expect(errorMessages(await runAction('approval', {}))).toMatch(/CARAVAN_APPROVALS_DIR is not set/);
  });
});
