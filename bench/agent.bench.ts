/**
 * caravan-agent: start-up overhead (`caravan-agent run -- true` against `node -e 0`; the goal is the
 * single executable's; the bundle run by node is reported beside it) and peak RSS while a 100 MB
 * line without newline streams through it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchRow } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 61;
const WARMUP = 5;
const STARTUP_GOAL_MS = 15;
const RSS_GOAL_MB = 80;

function timeOnce(cmd: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

const median = (values: number[]) => quantile(values, 0.5);

interface Startup {
  agent: number;
  baseline: number;
  /** Median of the paired differences, and their quartiles: the spread. */
  overhead: number;
  q1: number;
  q3: number;
}

/**
 * Interleaved runs, so load on the machine hits both sides alike. The overhead is the median of
 * the paired differences: a burst of noise moves both halves of a pair, not the difference.
 */
function startup(agent: string[]): Startup {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < WARMUP; i++) {
    timeOnce(process.execPath, ['-e', '0']);
    timeOnce(agent[0]!, [...agent.slice(1), 'run', '--', 'true']);
  }
  for (let i = 0; i < RUNS; i++) {
    b.push(timeOnce(process.execPath, ['-e', '0']));
    a.push(timeOnce(agent[0]!, [...agent.slice(1), 'run', '--', 'true']));
  }
  const overheads = a.map((t, i) => t - b[i]!);
  return {
    agent: median(a),
    baseline: median(b),
    overhead: median(overheads),
    q1: quantile(overheads, 0.25),
    q3: quantile(overheads, 0.75),
  };
}

/** Peak RSS in MB of a command, from GNU time (the child's own getrusage). */
function peakRssMb(cmd: string[]): number {
  const out = join(mkdtempSync(join(tmpdir(), 'rss-')), 'rss');
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%M', ...cmd], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited with ${r.status}`);
  const kb = Number(readFileSync(out, 'utf8').trim().split('\n').at(-1));
  rmSync(dirname(out), { recursive: true, force: true });
  return kb / 1024;
}

/** A fresh single executable from this bundle (dist/caravan-agent may be older than it). */
async function singleExecutable(bundle: string): Promise<{ exe: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sea-'));
  const { buildSea } = (await import(join(root, 'scripts/sea.mjs'))) as {
    buildSea(root: string, o: object): Promise<{ exe: string }>;
  };
  const { exe } = await buildSea(root, { bundle, outDir: dir });
  return { exe, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const bench: Bench = {
  title: 'caravan-agent',
  async run(): Promise<BenchRow[]> {
    const bundle = join(root, 'dist/agent.cjs');
    if (!existsSync(bundle)) throw new Error('dist/agent.cjs is missing: run node scripts/build.mjs');
    const rows: BenchRow[] = [];
    const startupRow = (name: string, s: Startup, judged: boolean): BenchRow => ({
      name,
      value: s.agent,
      unit: 'ms',
      baseline: s.baseline,
      baselineName: 'node -e 0',
      goal: judged ? `<= +${STARTUP_GOAL_MS} ms` : 'reported (no target)',
      met: !judged || s.overhead <= STARTUP_GOAL_MS,
      detail:
        `overhead +${s.overhead.toFixed(1)} ms, median of ${RUNS} paired runs; ` +
        `spread: quartiles +${s.q1.toFixed(1)} .. +${s.q3.toFixed(1)} ms`,
    });
    // The goal is caravan-agent's, the executable. `node dist/agent.cjs` also pays Node's CJS loader
    // for a file (~8 ms here) and compiles without a code cache (Node 20 has none for user code).
    rows.push(startupRow('start-up: node agent.cjs run -- true', startup([process.execPath, bundle]), false));
    const sea = await singleExecutable(bundle);
    // the fresh 87 MB executable is still being written back to disk: that I/O would land on the figures
    spawnSync('sync');
    try {
      rows.push(startupRow('start-up: caravan-agent (SEA) run -- true', startup([sea.exe]), true));
    } finally {
      sea.cleanup();
    }
    if (existsSync('/usr/bin/time')) {
      const baseline = peakRssMb([process.execPath, '-e', '0']);
      const hugeLine = 'head -c 100000000 /dev/zero | tr "\\0" a';
      const value = peakRssMb([process.execPath, bundle, 'run', '--', 'sh', '-c', hugeLine]);
      rows.push({
        name: 'peak RSS, 100 MB line without newline',
        value,
        unit: 'MB',
        baseline,
        baselineName: 'node -e 0',
        goal: `<= ${RSS_GOAL_MB} MB`,
        met: value <= RSS_GOAL_MB,
      });
    }
    return rows;
  },
};

export default bench;
