/**
 * Masking throughput with 10, 100 and 1,000 secrets over realistic log text, beside `cat`
 * moving the same number of bytes through a pipe in the same run.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { createMasker } from '@caravan/agent';
import type { Bench, BenchRow } from './lib.js';
import { makeSecrets } from './logs.js';

const MB = 1e6;
const CHUNK = 64 * 1024;
/** Each figure is the best of ROUNDS runs over ROUND_BYTES: the machines are shared and noisy. */
const ROUNDS = 8;
const ROUND_BYTES = 32 * MB;
const CORPUS = 32 * MB;

/** Build-log lines; every 500th line prints a secret or its base64. */
function makeCorpus(secrets: string[]): Buffer {
  const words = [
    'compiling',
    'module',
    'src/index.ts',
    'warning:',
    'npm',
    'install',
    'done',
    'in',
    'ms',
    'GET',
    '/api/v1/items',
    '200',
    'cache',
    'hit',
    'layer',
    'sha256:',
  ];
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < CORPUS; i++) {
    let line = `2026-11-26T14:${String(i % 60).padStart(2, '0')}:00.${i % 1000}Z [build] `;
    for (let w = 0; w < 8 + (i % 9); w++) line += `${words[(i * 7 + w * 3) % words.length]} `;
    if (i % 7 === 0) line += randomBytes(24).toString('hex');
    if (i % 11 === 0) line += randomBytes(30).toString('base64');
    if (i % 500 === 0) {
      const secret = secrets[(i / 500) % secrets.length] as string;
      line += i % 1000 === 0 ? secret : Buffer.from(`token:${secret}`).toString('base64');
    }
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

function maskThroughput(secretCount: number): number {
  const secrets = makeSecrets(secretCount);
  const corpus = makeCorpus(secrets);
  const chunks: Buffer[] = [];
  for (let at = 0; at < corpus.length; at += CHUNK) chunks.push(corpus.subarray(at, at + CHUNK));
  const masker = createMasker(secrets);
  const warm = masker.stream();
  for (const chunk of chunks.slice(0, 200)) warm.push(chunk);
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let bytes = 0;
    const started = process.hrtime.bigint();
    while (bytes < ROUND_BYTES) {
      const stream = masker.stream();
      for (const chunk of chunks) stream.push(chunk);
      stream.end();
      bytes += corpus.length;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    best = Math.max(best, bytes / MB / seconds);
  }
  if (masker.replacements === 0) throw new Error('bench corpus contains no secret: the bench is broken');
  return best;
}

async function catThroughput(): Promise<number> {
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) best = Math.max(best, await catRound());
  return best;
}

async function catRound(): Promise<number> {
  const chunk = randomBytes(CHUNK);
  const cat = spawn('cat', [], { stdio: ['pipe', 'pipe', 'inherit'] });
  let received = 0;
  const done = new Promise<void>((resolve, reject) => {
    cat.stdout.on('data', (data: Buffer) => {
      received += data.length;
    });
    cat.on('error', reject);
    cat.on('close', () => resolve());
  });
  const started = process.hrtime.bigint();
  for (let sent = 0; sent < ROUND_BYTES; sent += chunk.length) {
    if (!cat.stdin.write(chunk)) await new Promise((resolve) => cat.stdin.once('drain', resolve));
  }
  cat.stdin.end();
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return received / MB / seconds;
}

const goals: [number, number][] = [
  [10, 600],
  [100, 400],
  [1000, 300],
];

const bench: Bench = {
  title:
    'masking throughput (64 KiB chunks of build-log text; best of 8 runs of 32 MB, cat likewise; ' +
    `load average ${(loadavg()[0] ?? 0).toFixed(1)} on ${cpus().length} cores at start)`,
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    for (const [count, goal] of goals) {
      const baseline = await catThroughput();
      const value = maskThroughput(count);
      rows.push({
        name: `mask ${count} secrets`,
        value,
        unit: 'MB/s',
        baseline,
        baselineName: 'cat | pipe',
        goal: `>= ${goal} MB/s`,
        met: value >= goal,
      });
    }
    return rows;
  },
};

export default bench;
