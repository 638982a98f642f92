/** Nested pipelines on the process executor, real agent: outputs, failure, cancel and timeout reach the child. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipelineFile, parsePipelineYaml } from '@caravan/spec';
import { builtinActionsDir, DefaultActionResolver } from '../../src/actions/resolver.js';
import { Engine } from '../../src/engine.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import { agentBundle } from '../helpers/agent.js';

let home: string;
let store: SqliteEngineStore;
let engine: Engine;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'caravan-nested-'));
  store = new SqliteEngineStore(join(home, 'engine.db'));
  engine = await Engine.start({
    store,
    home,
    agentPath: agentBundle(),
    resolver: new DefaultActionResolver(builtinActionsDir()),
    graceSeconds: 1,
    guardSlackSeconds: 1,
    cancelPollMs: 100,
  });
});
afterAll(async () => {
  await engine?.close();
  await store?.close();
  rmSync(home, { recursive: true, force: true });
});

function write(path: string, text: string): string {
  const file = join(home, 'p', path);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const child = (name: string, script: string) =>
  [
    'version: "1"',
    `name: ${name}`,
    'params:',
    '  target: { type: string, required: true }',
    'outputs:',
    '  url: ${{ steps.release.outputs.url }}',
    'steps:',
    '  - id: release',
    '    run: |',
    ...script.split('\n').map((l) => `      ${l}`),
    '',
  ].join('\n');

const parent = (uses: string, stepExtra = '') =>
  [
    'version: "1"',
    'name: parent',
    'steps:',
    '  - id: deploy',
    `    uses: ${uses}`,
    '    with:',
    '      target: staging',
    ...(stepExtra ? [stepExtra] : []),
    '  - id: announce',
    '    needs: [deploy]',
    '    run: echo "at ${{ steps.deploy.outputs.url }}" && echo "seen=${{ steps.deploy.outputs.url }}" >> "$CARAVAN_OUTPUT"',
    '',
  ].join('\n');

/** Lint (loadPipelineFile) checks the nested files; `unchecked` leaves that to the engine. */
async function start(file: string, unchecked = false) {
  const parsed = unchecked ? parsePipelineYaml(readFileSync(file, 'utf8'), file) : await loadPipelineFile(file);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return engine.createRun({ pipeline: parsed.value, source: '' });
}

async function stepsOf(runId: string) {
  return Object.fromEntries((await store.getSteps(runId)).map((s) => [s.stepId, s]));
}

describe('nested pipelines', () => {
  it('runs the child as a run of its own, linked to the step; its outputs become the step outputs', async () => {
    write(
      'ok/deploy/pipeline.yml',
      child(
        'deploy',
        'echo "to ${{ params.target }}"\necho "url=https://${{ params.target }}.test" >> "$CARAVAN_OUTPUT"',
      ),
    );
    const run = await start(write('ok/pipeline.yml', parent('./deploy/pipeline.yml')));
    expect(await engine.execute(run.id)).toBe('success');
    const steps = await stepsOf(run.id);
    expect(steps.deploy?.outputs).toEqual({ url: 'https://staging.test' });
    expect(steps.announce?.outputs).toMatchObject({ seen: 'https://staging.test' });
    const childId = `${run.id}.deploy.1`;
    expect(steps.deploy?.taskId).toBe(childId);
    const childRun = await store.getRun(childId);
    expect(childRun?.pipelineName).toBe('deploy');
    expect(childRun?.params).toEqual({ target: 'staging' });
    expect(childRun?.status).toBe('success');
    const logs = (await store.getLogs(run.id, 'deploy')).map((l) => l.text).join('\n');
    expect(logs).toContain(`ran pipeline deploy as run ${childId} (success)`);
  });

  it('fails the step when the child fails, naming the child run; later steps do not run', async () => {
    write('bad/deploy/pipeline.yml', child('deploy', 'echo broken >&2\nexit 3'));
    const run = await start(write('bad/pipeline.yml', parent('./deploy/pipeline.yml')));
    expect(await engine.execute(run.id)).toBe('failed');
    const steps = await stepsOf(run.id);
    expect(steps.deploy?.status).toBe('failed');
    expect(steps.deploy?.error).toContain(`nested run ${run.id}.deploy.1 ended failed`);
    expect(steps.announce?.status).toBe('skipped');
  });

  it('refuses bad params for the child (lint was skipped) as a step error that says what is wrong', async () => {
    write('params/deploy/pipeline.yml', child('deploy', 'echo hi'));
    const text = parent('./deploy/pipeline.yml').replace('      target: staging\n', '      wrong: x\n');
    const run = await start(write('params/pipeline.yml', text), true);
    expect(await engine.execute(run.id)).toBe('failed');
    const steps = await stepsOf(run.id);
    expect(steps.deploy?.status).toBe('error');
    expect(steps.deploy?.error).toMatch(/pipeline executor: .*deploy\/pipeline.yml.*has no param "wrong"/);
  });

  it('cancels the child when the parent run is cancelled', async () => {
    write('cancel/deploy/pipeline.yml', child('deploy', 'sleep 30'));
    const run = await start(write('cancel/pipeline.yml', parent('./deploy/pipeline.yml')));
    const done = engine.execute(run.id);
    const childId = `${run.id}.deploy.1`;
    await until(async () => (await store.getSteps(childId)).some((s) => s.status === 'running'));
    await engine.cancel(run.id);
    expect(await done).toBe('cancelled');
    expect((await store.getRun(childId))?.status).toBe('cancelled');
    expect((await stepsOf(childId)).release?.status).toBe('cancelled');
  });

  it('stops the child when the step runs past its timeout', async () => {
    write('slow/deploy/pipeline.yml', child('deploy', 'sleep 30'));
    const run = await start(write('slow/pipeline.yml', parent('./deploy/pipeline.yml', '    timeout: 1s')));
    expect(await engine.execute(run.id)).toBe('failed');
    expect((await stepsOf(run.id)).deploy?.status).toBe('timeout');
    expect((await store.getRun(`${run.id}.deploy.1`))?.status).toBe('cancelled');
  }, 30_000);
});

async function until(pred: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
