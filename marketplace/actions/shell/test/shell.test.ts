import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, errorMessages, runAction } from '../../test-helpers.js';

beforeAll(buildAgent);

describe('caravan/shell under the agent', () => {
  it('runs a script in the workspace and its outputs reach the report', async () => {
    const run = await runAction('shell', {
      run: 'echo building in $(pwd)\necho "version=1.2.3" >> "$CARAVAN_OUTPUT"\ntouch made-here',
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`building in ${run.workdir}`);
    expect(run.report.outputs.version).toBe('1.2.3');
    expect(run.report.outputs['exit-code']).toBe('0');
    expect(existsSync(join(run.workdir, 'made-here'))).toBe(true);
  });

  it('stops at the first failing command and reports its exit code', async () => {
    const run = await runAction('shell', { run: 'echo before\nexit 3\necho after' });
    expect(run.exitCode).toBe(3);
    expect(run.report.status).toBe('failed');
    expect(run.stdout).toContain('before');
    expect(run.stdout).not.toContain('after');
    expect(errorMessages(run)).toMatch(/failed with exit code 3/);
  });

  it('reports a script killed by a signal', async () => {
    const run = await runAction('shell', { run: 'echo about to die\nkill -9 $$' });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain('about to die');
    expect(errorMessages(run)).toMatch(/the script was killed by SIGKILL/);
  });

  it('uses bash with pipefail when asked', async () => {
    const ok = await runAction('shell', {
      run: 'arr=(a b c); echo "n=${#arr[@]}" >> "$CARAVAN_OUTPUT"',
      shell: 'bash',
    });
    expect(ok.report.outputs.n).toBe('3');
    const piped = await runAction('shell', { run: 'false | cat\necho unreachable', shell: 'bash' });
    expect(piped.exitCode).not.toBe(0);
    expect(piped.stdout).not.toContain('unreachable');
  });

  it('runs in working-directory', async () => {
    const run = await runAction(
      'shell',
      { run: 'pwd', 'working-directory': 'sub' },
      { workdir: makeWorkspaceWith('sub') },
    );
    expect(run.stdout).toMatch(/\/sub\n/);
  });

  it('masks secrets the script prints', async () => {
    const run = await runAction(
      'shell',
      { run: 'echo "the password is $DB_PASSWORD"' },
      { secrets: { DB_PASSWORD: 'hunter2-very-secret' } },
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('the password is');
    expect(run.stdout).not.toContain('hunter2-very-secret');
  });

  it('rejects a bad shell, a missing script and a missing directory with clear errors', async () => {
    const badShell = await runAction('shell', { run: 'true', shell: 'fish' });
    expect(badShell.exitCode).not.toBe(0);
    expect(errorMessages(badShell)).toMatch(/input "shell" must be one of "sh", "bash", got "fish"/);
    const missing = await runAction('shell', {});
    expect(errorMessages(missing)).toMatch(/input "run" is required/);
    const noDir = await runAction('shell', { run: 'true', 'working-directory': 'nope' });
    expect(errorMessages(noDir)).toMatch(/working-directory .*nope does not exist/);
    const badBool = await runAction('shell', { run: 'true', trace: 'maybe' });
    expect(errorMessages(badBool)).toMatch(/input "trace" must be true or false, got "maybe"/);
  });
});

function makeWorkspaceWith(sub: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'caravan-shell-ws-'));
  mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, sub, '.keep'), '');
  return dir;
}
