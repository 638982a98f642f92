/**
 * The portable agent's entry: `caravan-agent run -- true` through the static launcher (what images
 * embed, needing no shell) against the same folder started through the POSIX sh entry it replaced.
 * Reported, no target: the launcher must not cost more than the sh script did.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchRow } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 41;
const WARMUP = 5;

function timeOnce(cmd: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, ['run', '--', 'true'], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd} run -- true exited with ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

const bench: Bench = {
  title: 'caravan-agent portable entry',
  async run(): Promise<BenchRow[]> {
    const bundle = join(root, 'dist/agent.cjs');
    if (!existsSync(bundle)) throw new Error('dist/agent.cjs is missing: run node scripts/build.mjs');
    const out = mkdtempSync(join(tmpdir(), 'bench-entry-'));
    try {
      const sea = (await import(join(root, 'scripts/sea.mjs'))) as {
        buildSea(root: string, o: object): Promise<{ portable: string; staticEntry: boolean }>;
        writeEntry(file: string, work: string, cc?: string): boolean;
      };
      const { portable, staticEntry } = await sea.buildSea(root, { bundle, outDir: out });
      if (!staticEntry)
        throw new Error('no C compiler: the static entry was not built (apt-get install gcc libc6-dev)');
      const launcher = join(portable, 'caravan-agent');
      const script = join(portable, 'caravan-agent.sh');
      const warn = console.warn;
      console.warn = () => {}; // writing the sh script on purpose: its warning is not news here
      sea.writeEntry(script, out, join(out, 'no-cc'));
      console.warn = warn;
      spawnSync('sync');
      for (let i = 0; i < WARMUP; i++) {
        timeOnce(launcher);
        timeOnce(script);
      }
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        b.push(timeOnce(script));
        a.push(timeOnce(launcher));
      }
      const diff = median(a.map((t, i) => t - b[i]!));
      return [
        {
          name: 'start-up: static entry run -- true',
          value: median(a),
          unit: 'ms',
          baseline: median(b),
          baselineName: 'sh entry',
          goal: 'reported (no target)',
          met: true,
          detail: `difference ${diff >= 0 ? '+' : ''}${diff.toFixed(1)} ms, median of ${RUNS} paired runs`,
        },
      ];
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
};

export default bench;
