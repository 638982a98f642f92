/**
 * caravan-agent's log path end to end: `caravan-agent run -- cat LOG > /dev/null` with 1,000
 * secrets (and their encoded forms) in the task context, on a generated build log and on a
 * base64-dense one, each beside `cat LOG | cat > /dev/null` timed in the same run; then the same
 * with the engine's callback attached (logs posted in batches of log records to a real local HTTP
 * server that reads and parses them into entries as the engine does), in MB/s.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOG_RECORDS_TYPE, parseLogRecords, type LogBatch } from '@caravan/spec';
import type { Bench, BenchRow } from './lib.js';
import { base64Log, makeSecrets, proseLog } from './logs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MB = 1e6;
const LOG_BYTES = 100 * MB;
const SECRETS = 1000;
/** Each figure is the best of ROUNDS, the two sides interleaved: the machine is shared and noisy. */
const ROUNDS = 3;
const PROSE_RATIO_GOAL = 0.5;
const BASE64_RATIO_GOAL = 0.3;
const CALLBACK_GOAL_MBS = 200;
const TOKEN = 'bench-callback-token-0123456789';

interface Timing {
  /** Wall-clock seconds. */
  seconds: number;
  /** User + system CPU seconds of the command and its children (GNU time; NaN without it). */
  cpu: number;
}

const GNU_TIME = '/usr/bin/time';

/** How long a command takes with its stdout on /dev/null, and the CPU it uses. */
async function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timing> {
  const devNull = openSync('/dev/null', 'w');
  const cpuFile = join(mkdtempSync(join(tmpdir(), 'bench-cpu-')), 'cpu');
  const measured = existsSync(GNU_TIME);
  const started = process.hrtime.bigint();
  try {
    const child = measured
      ? spawn(GNU_TIME, ['-f', '%U %S', '-o', cpuFile, cmd, ...args], { stdio: ['ignore', devNull, 'inherit'], env })
      : spawn(cmd, args, { stdio: ['ignore', devNull, 'inherit'], env });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}`);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (!measured) return { seconds, cpu: NaN };
    const [user, system] = readFileSync(cpuFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    return { seconds, cpu: user! + system! };
  } finally {
    closeSync(devNull);
    rmSync(dirname(cpuFile), { recursive: true, force: true });
  }
}

/** Plays the engine's log intake: reads each batch, parses it (log records or JSON), counts its lines. */
async function logServer(): Promise<{
  url: string;
  lines: () => number;
  /** CPU seconds the server spent parsing batches into entries, as the engine's intake does. */
  parseCpu: () => number;
  close: () => Promise<void>;
}> {
  let lines = 0;
  let parseCpu = 0;
  const server = createServer((req, res) => {
    void body(req).then((data) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return res.writeHead(401).end();
      if (req.url?.endsWith('/logs')) {
        const before = process.cpuUsage();
        const batch =
          req.headers['content-type'] === LOG_RECORDS_TYPE
            ? parseLogRecords(data)
            : (JSON.parse(data.toString('utf8')) as LogBatch);
        const used = process.cpuUsage(before);
        parseCpu += (used.user + used.system) / 1e6;
        lines += batch.entries.filter((e) => e.stream === 'stdout').length;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/tasks/bench`,
    lines: () => lines,
    parseCpu: () => parseCpu,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface Pair {
  agent: number;
  pipe: number;
  /** The agent's fastest run in MB per CPU-second: what a loaded machine hides in the wall time. */
  agentPerCpu: number;
  /** A bare Node process copying `cat`'s output to its own: the floor of any agent written in Node. */
  nodeCopy: number;
}

const NODE_COPY = `
const c = require('node:child_process').spawn('cat', [process.argv[1]], { stdio: ['ignore', 'pipe', 'inherit'] });
c.stdout.on('data', (d) => { if (!process.stdout.write(d)) { c.stdout.pause(); process.stdout.once('drain', () => c.stdout.resume()); } });`;

/** Best throughput (MB/s) of the agent and of the `cat | cat` pipe over ROUNDS interleaved runs. */
async function compare(bundle: string, log: string, bytes: number, env: NodeJS.ProcessEnv): Promise<Pair> {
  let agent = 0;
  let pipe = 0;
  let agentPerCpu = 0;
  let nodeCopy = 0;
  for (let round = 0; round < ROUNDS; round++) {
    pipe = Math.max(pipe, bytes / MB / (await timed('sh', ['-c', `cat '${log}' | cat`])).seconds);
    nodeCopy = Math.max(nodeCopy, bytes / MB / (await timed(process.execPath, ['-e', NODE_COPY, log])).seconds);
    const run = await timed(process.execPath, [bundle, 'run', '--', 'cat', log], env);
    agent = Math.max(agent, bytes / MB / run.seconds);
    agentPerCpu = Math.max(agentPerCpu, bytes / MB / run.cpu);
  }
  return { agent, pipe, agentPerCpu, nodeCopy };
}

const detail = (p: Pair) =>
  [
    `bare node copy ${p.nodeCopy.toFixed(0)} MB/s`,
    ...(Number.isNaN(p.agentPerCpu) ? [] : [`agent ${p.agentPerCpu.toFixed(0)} MB per CPU-second`]),
  ].join('; ');

const bench: Bench = {
  title:
    `caravan-agent log path (${LOG_BYTES / MB} MB logs, ${SECRETS} secrets in the context; best of ${ROUNDS}; ` +
    `load average ${(loadavg()[0] ?? 0).toFixed(1)} on ${cpus().length} cores at start)`,
  async run(): Promise<BenchRow[]> {
    const bundle = join(root, 'dist/agent.cjs');
    if (!existsSync(bundle)) throw new Error('dist/agent.cjs is missing: run node scripts/build.mjs');
    const dir = mkdtempSync(join(tmpdir(), 'bench-agent-log-'));
    const rows: BenchRow[] = [];
    const server = await logServer();
    try {
      const secrets = makeSecrets(SECRETS);
      const context = (extra: object) => {
        const file = join(dir, `context-${Object.keys(extra).length}.json`);
        writeFileSync(
          file,
          JSON.stringify({ secrets: Object.fromEntries(secrets.map((s, i) => [`SECRET_${i}`, s])), ...extra }),
        );
        return { ...process.env, CARAVAN_CONTEXT: file };
      };
      const standalone = context({});
      const logs: [string, Buffer, number][] = [
        ['build log', proseLog(secrets, LOG_BYTES), PROSE_RATIO_GOAL],
        ['base64-dense log', base64Log(LOG_BYTES), BASE64_RATIO_GOAL],
      ];
      for (const [name, data, goal] of logs) {
        const file = join(dir, `${name.replace(/\W+/g, '-')}.log`);
        writeFileSync(file, data);
        const pair = await compare(bundle, file, data.length, standalone);
        const { agent, pipe } = pair;
        rows.push({
          name: `agent run -- cat (${name})`,
          value: agent,
          unit: 'MB/s',
          baseline: pipe,
          baselineName: 'cat | cat',
          goal: `>= ${goal}x baseline`,
          met: agent >= goal * pipe,
          detail: detail(pair),
        });
      }
      const prose = join(dir, 'build-log.log');
      const lineCount = logs[0]![1].toString('latin1').split('\n').length - 1;
      // the engine offers log records in every grant (Callback.logTypes)
      const withCallback = context({ callback: { url: server.url, token: TOKEN, logTypes: [LOG_RECORDS_TYPE] } });
      const pair = await compare(bundle, prose, logs[0]![1].length, withCallback);
      const { agent, pipe } = pair;
      if (server.lines() !== ROUNDS * lineCount)
        throw new Error(`the log server got ${server.lines()} stdout lines, expected ${ROUNDS * lineCount}`);
      rows.push({
        name: 'agent run -- cat, logs to the callback',
        value: agent,
        unit: 'MB/s',
        baseline: pipe,
        baselineName: 'cat | cat',
        goal: `>= ${CALLBACK_GOAL_MBS} MB/s`,
        met: agent >= CALLBACK_GOAL_MBS,
        // the receiving end's own floor: what parsing the batches alone allows on this machine
        detail: `${detail(pair)}; log server parses ${((ROUNDS * LOG_BYTES) / MB / server.parseCpu()).toFixed(0)} MB of log per CPU-second`,
      });
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};

export default bench;
