import { LOG_RECORDS_TYPE } from '@caravan/spec';
/**
 * Pieces of the attempt protocol (docs/engine.md) tested on their own: how the process executor
 * knows its agent before the pid is recorded, and a missing output handed to a later step.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AttemptTask } from '../src/attempt-task.js';
import type { CallbackHandlers, TaskGrant } from '../src/callback/server.js';
import { ABANDONED_EXIT, claimStart, CLAIM_SCRIPT } from '../src/executors/process-identity.js';
import { ProcessExecutor } from '../src/executors/process.js';
import { stepEnv, StepInputError, stepParams } from '../src/step-task.js';
import { agentBundle } from './helpers/agent.js';
import { makeStep } from './helpers/pipeline.js';

const dir = mkdtempSync(join(tmpdir(), 'caravan-protocol-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('process executor: its agent is known before its pid is recorded', () => {
  it('a start claimed by a resumed engine runs nothing: the spawned process exits at once', () => {
    const link = join(dir, 't1.abc.pid');
    expect(claimStart(link)).toEqual({ kind: 'abandoned' });
    const marker = join(dir, 't1.ran');
    const r = spawnSync('/bin/sh', ['-c', CLAIM_SCRIPT, link, 'touch', marker]);
    expect(r.status).toBe(ABANDONED_EXIT);
    expect(existsSync(marker)).toBe(false);
  });

  it('a started process owns its link; the claim then names its pid', () => {
    const link = join(dir, 't2.abc.pid');
    const r = spawnSync('/bin/sh', ['-c', `${CLAIM_SCRIPT}`, link, 'sh', '-c', 'echo $$']);
    expect(r.status).toBe(0);
    const pid = Number(r.stdout.toString().trim());
    expect(claimStart(link)).toEqual({ kind: 'started', pid });
  });

  it('a task started under a nonce with no link yet says created, and that start can no longer run', async () => {
    const stateDir = join(dir, 'tasks-a');
    const ex = new ProcessExecutor({ stateDir, agentPath: agentBundle() });
    await ex.create(task(stateDir, 'pending'));
    const file = join(stateDir, 'pending.task.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), starting: 'n1' }));
    expect(await ex.status('pending')).toEqual({ phase: 'created' });
    expect(claimStart(join(stateDir, 'pending.n1.pid'))).toEqual({ kind: 'abandoned' });
    await ex.remove('pending');
    expect(await ex.status('pending')).toMatchObject({ phase: 'gone', neverStarted: true });
  });

  it('a link to a pid that now runs something else (pid reuse) is not taken for the agent', async () => {
    const stateDir = join(dir, 'tasks-b');
    const ex = new ProcessExecutor({ stateDir, agentPath: agentBundle() });
    await ex.create(task(stateDir, 'reused'));
    const file = join(stateDir, 'reused.task.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), starting: 'n2' }));
    // This test's own process: alive, but not an agent of that task.
    symlinkSync(String(process.pid), join(stateDir, 'reused.n2.pid'));
    expect(await ex.status('reused')).toMatchObject({ phase: 'gone' });
    await ex.remove('reused');
  });
});

function task(stateDir: string, taskId: string) {
  const workspace = join(stateDir, '..', 'ws', taskId);
  mkdirSync(workspace, { recursive: true });
  return {
    taskId,
    runId: 'r',
    stepId: taskId,
    attempt: 1,
    command: ['true'],
    workspace,
    actionDir: dir,
    context: { secrets: {}, params: {}, env: {}, watch: [], files: [] },
  };
}

describe('a missing output referenced by a later step', () => {
  const spec = { name: 'acme/x', version: '1.0.0', inputs: { value: { type: 'string' } } } as never;
  const ctx = (status: string) => ({ steps: { build: { outputs: { other: '1' }, status, files: {} } } }) as never;

  it('of a succeeded step: an error that names the step and the output', () => {
    const step = makeStep({ id: 'deploy', with: { value: '${{ steps.build.outputs.version }}' } });
    expect(() => stepParams(step, spec, ctx('success'))).toThrow(StepInputError);
    expect(() => stepParams(step, spec, ctx('success'))).toThrow(
      /step "deploy": with\.value: steps\.build\.outputs\.version: step "build" succeeded without an output "version" \(its outputs: other\)/,
    );
    const inEnv = makeStep({ id: 'deploy', env: { V: 'v=${{ steps.build.outputs.version }}' } });
    expect(() => stepEnv(inEnv, {}, ctx('success'))).toThrow(/env\.V: .*"build" succeeded without an output "version"/);
  });

  it('of a step that did not succeed (an if: failure() step reads it): empty, never the text "null"', () => {
    const step = makeStep({ id: 'report', env: { V: '${{ steps.build.outputs.version }}' } });
    expect(stepEnv(step, {}, ctx('failed'))).toEqual({ V: '' });
  });
});

describe('what an agent spooled, taken in at the end of its attempt', () => {
  it('stores its log batches, files and report through the callback handlers, and says how many requests were lost', async () => {
    const spool = join(dir, 'spool-a');
    mkdirSync(spool, { recursive: true });
    writeFileSync(join(spool, 'body-1.bin'), 'TAR');
    const batch = (seq: number, text: string) =>
      JSON.stringify({ route: 'logs', body: JSON.stringify({ seq, entries: [{ stream: 'stdout', text, ts: 1 }] }) });
    const report = {
      status: 'success',
      exitCode: 0,
      signal: null,
      outputs: { v: '42' },
      errors: [],
      warnings: [],
      annotations: [],
      files: [],
      stderrExcerpt: [],
      durationMs: 1,
      masked: 0,
    };
    writeFileSync(
      join(spool, 'spool.jsonl'),
      [
        batch(1, 'one'),
        JSON.stringify({ route: 'files/out', bodyFile: 'body-1.bin' }),
        JSON.stringify({ route: 'report', body: JSON.stringify(report) }),
        batch(2, 'two'),
        // log records (an engine that offers them gets them spooled byte for byte, as base64)
        JSON.stringify({
          route: 'logs',
          type: LOG_RECORDS_TYPE,
          body64: Buffer.from('seq 3\nstdout 1 11\nthree\nfour\n').toString('base64'),
        }),
        JSON.stringify({
          route: 'logs',
          type: LOG_RECORDS_TYPE,
          body64: Buffer.from('seq 4\nstdout 1 99\ncut').toString('base64'),
        }),
        '{"route":"logs","bo',
      ].join('\n'),
    );
    const seen: string[] = [];
    const reports: unknown[] = [];
    const handlers: CallbackHandlers = {
      async logs(g: TaskGrant, b) {
        seen.push(`${g.runId}/${g.stepId} ${b.seq}: ${b.entries.map((e) => e.text).join()}`);
        return true;
      },
      async events() {},
      async file(g, name, body) {
        let text = '';
        for await (const chunk of body) text += String(chunk);
        seen.push(`file ${name}: ${text}`);
      },
      async report(_g, r) {
        reports.push(r);
      },
    };
    const errors: string[] = [];
    const executor = { kind: 'fake', spoolDir: () => spool } as never;
    const deps = { clock: { now: () => 5 }, intake: handlers, takeReport: () => reports.shift() } as never;
    const task = new AttemptTask(
      deps,
      executor,
      'r.s.1',
      async (op, _id, err) => {
        errors.push(`${op}: ${(err as Error).message}`);
      },
      undefined,
      { runId: 'r', stepId: 's' },
    );
    const result = await task.result({ phase: 'exited', exitCode: 0 });
    expect(result).toMatchObject({ status: 'success', outputs: { v: '42' } });
    expect(seen.slice(0, 4)).toEqual(['r/s 1: one', 'file out: TAR', 'r/s 2: two', 'r/s 3: three,four']);
    expect(seen[4]).toMatch(/^r\/s 2000000000: caravan: 2 requests the agent spooled .* could not be read/);
    expect(errors).toEqual([expect.stringMatching(/^spool: 2 requests/)]);
  });

  it('a declared file that cannot be stored fails a step the agent reported successful', async () => {
    const spool = join(dir, 'spool-b');
    mkdirSync(spool, { recursive: true });
    writeFileSync(join(spool, 'spool.jsonl'), JSON.stringify({ route: 'files/out', bodyFile: 'gone.bin' }) + '\n');
    const handlers = {
      logs: async () => true,
      events: async () => {},
      report: async () => {},
      async file(_g: TaskGrant, _name: string, body: NodeJS.ReadableStream) {
        for await (const _ of body) void _;
      },
    } as CallbackHandlers;
    const executor = { kind: 'fake', spoolDir: () => spool } as never;
    const deps = { clock: { now: () => 5 }, intake: handlers, takeReport: () => undefined } as never;
    const task = new AttemptTask(deps, executor, 'r.s.1', async () => {}, undefined, { runId: 'r', stepId: 's' });
    const result = await task.result({ phase: 'exited', exitCode: 0 });
    expect(result.status).toBe('failed');
    expect(result.error).toBe('declared files were not stored: out: its body gone.bin is missing from the spool');
  });
});
