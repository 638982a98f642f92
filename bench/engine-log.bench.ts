/**
 * The engine's log intake end to end: one `caravan/shell` step printing a 20 MB build log, run by
 * the engine on the process executor with the real agent, every line stored in the SQLite store
 * (log records over the callback, masked again by the engine), less the time of the same step
 * printing nothing, beside `cat LOG | cat` timed in the same run; without secrets and with 1,000.
 * Reported, no target: the agent's own rows are judged.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinActionsDir, DefaultActionResolver, Engine, SqliteEngineStore } from '@caravan/engine';
import { makePipeline } from '../engine-lite/test/helpers/pipeline.js';
import type { Bench, BenchRow } from './lib.js';
import { makeSecrets, proseLog } from './logs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MB = 1e6;
const LOG_BYTES = 20 * MB;
const ROUNDS = 2;

/** Seconds the engine takes to run the step and store its log; checks every line was stored. */
async function engineRun(command: string, lines: number, secrets: Record<string, string>): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'bench-engine-log-'));
  const store = new SqliteEngineStore(join(home, 'engine.db'));
  const engine = await Engine.start({
    store,
    home,
    agentPath: join(root, 'dist/agent.cjs'),
    resolver: new DefaultActionResolver(builtinActionsDir()),
    secrets,
  });
  try {
    const pipeline = makePipeline([{ id: 'build', uses: 'caravan/shell@^1', with: { run: command } }]);
    const run = await engine.createRun({ pipeline, source: '' });
    const started = process.hrtime.bigint();
    const status = await engine.execute(run.id);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (status !== 'success') throw new Error(`the bench run ended ${status}`);
    const stored = (await store.getLogs(run.id, 'build')).filter((l) => l.stream === 'stdout').length;
    if (stored < lines) throw new Error(`the engine stored ${stored} stdout lines, expected ${lines}`);
    return seconds;
  } finally {
    await engine.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

function pipeSeconds(log: string): number {
  const started = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', `cat '${log}' | cat > /dev/null`]);
  if (r.status !== 0) throw new Error('cat | cat failed');
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const bench: Bench = {
  title: `engine log intake (${LOG_BYTES / MB} MB build log, one step, process executor, SQLite; best of ${ROUNDS})`,
  async run(): Promise<BenchRow[]> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-engine-log-'));
    try {
      const secretList = makeSecrets(1000);
      const log = join(dir, 'build.log');
      const data = proseLog(secretList, LOG_BYTES);
      writeFileSync(log, data);
      const lines = data.toString('latin1').split('\n').length - 1;
      const cases: [string, Record<string, string>][] = [
        ['no secrets', {}],
        ['1,000 secrets', Object.fromEntries(secretList.map((s, i) => [`SECRET_${i}`, s]))],
      ];
      const rows: BenchRow[] = [];
      for (const [name, secrets] of cases) {
        let engine = Infinity;
        let empty = Infinity;
        let pipe = Infinity;
        for (let round = 0; round < ROUNDS; round++) {
          pipe = Math.min(pipe, pipeSeconds(log));
          empty = Math.min(empty, await engineRun('true', 0, secrets));
          engine = Math.min(engine, await engineRun(`cat '${log}'`, lines, secrets));
        }
        // what the log costs beyond a step that prints nothing (agent start, task set-up, report)
        const logSeconds = Math.max(engine - empty, 1e-6);
        rows.push({
          name: `engine intake of a step's log (${name})`,
          value: data.length / MB / logSeconds,
          unit: 'MB/s',
          baseline: data.length / MB / pipe,
          baselineName: 'cat | cat',
          goal: 'reported (no target)',
          met: true,
          detail: `${lines} lines stored, ${Math.round(lines / logSeconds)} lines/s; the step took ${(engine * 1000).toFixed(0)} ms, one printing nothing ${(empty * 1000).toFixed(0)} ms`,
        });
      }
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
