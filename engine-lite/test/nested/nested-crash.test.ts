/**
 * Crash safety of a nested step, real processes: `caravan run` killed with -9 while the child run's
 * step runs; `caravan resume` re-attaches to that child (same id, its step not run twice) instead
 * of starting a second one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import { agentBundle, repoRoot } from '../helpers/agent.js';

let home: string;
let env: NodeJS.ProcessEnv;
const bin = join(repoRoot, 'bin', 'caravan.js');

beforeAll(() => {
  agentBundle();
  home = mkdtempSync(join(tmpdir(), 'caravan-nested-crash-'));
  env = { ...process.env, CARAVAN_HOME: home, CI: '1', CARAVAN_DATABASE_URL: '', CARAVAN_REGISTRY: '' };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('a resumed engine re-attaches to the child run instead of starting a second one', async () => {
  const marks = join(home, 'marks');
  mkdirSync(join(home, 'p', 'deploy'), { recursive: true });
  writeFileSync(
    join(home, 'p', 'deploy', 'pipeline.yml'),
    `version: "1"\nname: deploy\noutputs:\n  done: \${{ steps.slow.outputs.done }}\nsteps:\n  - id: slow\n    run: 'echo start >> ${marks}; sleep 3; echo end >> ${marks}; echo done=yes >> "$CARAVAN_OUTPUT"'\n`,
  );
  const parentFile = join(home, 'p', 'pipeline.yml');
  writeFileSync(parentFile, 'version: "1"\nname: parent\nsteps:\n  - id: deploy\n    uses: ./deploy/pipeline.yml\n');
  const child = spawn(process.execPath, [bin, 'run', parentFile], { cwd: repoRoot, env });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  const exited = new Promise((r) => child.on('exit', r));
  const deadline = Date.now() + 30_000;
  while (!(existsSync(marks) && readFileSync(marks, 'utf8').includes('start'))) {
    if (Date.now() > deadline) throw new Error(`the child step did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await exited;
  const runId = /^run (\S+)/m.exec(out)![1]!;

  const resumed = spawnSync(process.execPath, [bin, 'resume', runId], { cwd: repoRoot, env, encoding: 'utf8' });
  expect(resumed.status, resumed.stderr).toBe(0);
  expect(readFileSync(marks, 'utf8')).toBe('start\nend\n');
  const store = new SqliteEngineStore(join(home, 'engine.db'));
  try {
    const runs = await store.listRuns(100);
    expect(runs.map((r) => r.id).sort()).toEqual([runId, `${runId}.deploy.1`]);
    expect((await store.getRun(`${runId}.deploy.1`))?.status).toBe('success');
    const steps = await store.getSteps(runId);
    expect(steps[0]).toMatchObject({ status: 'success', attempt: 1, outputs: { done: 'yes' } });
  } finally {
    await store.close();
  }
}, 60_000);
