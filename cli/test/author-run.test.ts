/** `caravan action run`: runs an action under caravan-agent and prints its masked log, outputs and report. */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { caravan, ensureBuilt, root } from './author-helpers.js';

// Every step here is a real `caravan` process: slow on a busy machine, so a generous budget.
vi.setConfig({ testTimeout: 240_000 });

let work: string;
const shellAction = join(root, 'marketplace/actions/shell');
const echoAction = join(root, 'marketplace/actions/echo');

beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'caravan-run-'));
});

describe('caravan action run', () => {
  it('prints the log, the outputs and the report', async () => {
    const run = await caravan(['action', 'run', echoAction, '--with', 'message=hello from the CLI'], { cwd: work });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('hello from the CLI');
    expect(run.stdout).toMatch(/── outputs\n {2}message = hello from the CLI/);
    expect(run.stdout).toMatch(/status: success {3}exit code: 0/);
  });

  it('masks secrets given with --secret, by value or from the environment', async () => {
    const script = 'echo "db=$DB_PASSWORD api=$API_KEY"; echo "leak=$API_KEY" >> "$CARAVAN_OUTPUT"';
    const run = await caravan(
      [
        'action',
        'run',
        shellAction,
        '--with',
        `run=${script}`,
        '--secret',
        'DB_PASSWORD=correct-horse-battery',
        '--secret',
        'API_KEY',
        '--report',
        'r.json',
      ],
      {
        cwd: work,
        env: { API_KEY: 'ak_live_0123456789' },
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('db=');
    for (const secret of ['correct-horse-battery', 'ak_live_0123456789']) {
      expect(run.stdout + run.stderr).not.toContain(secret);
      expect(readFileSync(join(work, 'r.json'), 'utf8')).not.toContain(secret);
    }
    expect(run.stdout).toMatch(/masked: [1-9]/);
  });

  it('runs in --workdir and prints the report as JSON with --json', async () => {
    mkdirSync(join(work, 'ws'), { recursive: true });
    const run = await caravan(
      ['action', 'run', shellAction, '--with', 'run=pwd; echo "n=1" >> "$CARAVAN_OUTPUT"', '--workdir', 'ws', '--json'],
      { cwd: work },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as {
      status: string;
      outputs: Record<string, string>;
    };
    expect(report.status).toBe('success');
    expect(report.outputs.n).toBe('1');
    expect(run.stdout).toContain(join(work, 'ws'));
  });

  it('exits with the action exit code and shows its error', async () => {
    const run = await caravan(['action', 'run', shellAction, '--with', 'run=echo failing; exit 4'], { cwd: work });
    expect(run.exitCode).toBe(4);
    expect(run.stdout).toMatch(/status: failed {3}exit code: 4/);
    expect(run.stdout).toMatch(/the script failed with exit code 4/);
  });

  it('rejects unknown inputs, wrong types, missing required inputs and bad folders before running', async () => {
    const unknown = await caravan(['action', 'run', echoAction, '--with', 'mesage=hi'], { cwd: work });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/caravan\/echo has no input "mesage" \(inputs: message\)/);
    const missing = await caravan(['action', 'run', echoAction], { cwd: work });
    expect(missing.stderr).toMatch(/missing required input "message": add --with message=\.\.\./);
    const badType = await caravan(['action', 'run', shellAction, '--with', 'run=true', '--with', 'trace=yes'], {
      cwd: work,
    });
    expect(badType.stderr).toMatch(/input "trace" is boolean, so the value must be true or false; got "yes"/);
    const noValue = await caravan(['action', 'run', echoAction, '--with', 'message'], { cwd: work });
    expect(noValue.stderr).toMatch(/--with "message" has no value: write --with message=value/);
    const noSecret = await caravan(
      ['action', 'run', echoAction, '--with', 'message=x', '--secret', 'NOT_SET_ANYWHERE'],
      { cwd: work },
    );
    expect(noSecret.stderr).toMatch(/--secret NOT_SET_ANYWHERE: give a value/);
    const notAnAction = await caravan(['action', 'run', work, '--with', 'a=b'], { cwd: work });
    expect(notAnAction.exitCode).toBe(2);
    expect(notAnAction.stderr).toMatch(/is not a valid action/);
    writeFileSync(join(work, 'action.yml'), 'name: acme/x\nversion: one\nruns: {node: a.mjs}\n');
    const invalid = await caravan(['action', 'run', work], { cwd: work });
    expect(invalid.stderr).toMatch(/action\.yml:2:\d+: error: .*version/);
  });
});
