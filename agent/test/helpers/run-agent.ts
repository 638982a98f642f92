import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { AgentReport } from '@caravan/spec';

export interface AgentRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  report: AgentReport | undefined;
}

export interface AgentRunOptions {
  cwd?: string;
  env?: Record<string, string>;
  reportFile?: string;
  contextFile?: string;
  /** Called once the agent runs, e.g. to signal it. */
  onStart?: (pid: number, output: { stdout: () => string }) => void;
  /** Text piped to the agent's stdin after a delay, then the pipe is closed. */
  stdin?: { text: string; delayMs: number };
  /** Pass exactly these arguments to the agent instead of `run [flags] -- cmd`. */
  rawArgs?: string[];
}

/** Spawns `node <bundle> run ... -- cmd args` (or an executable when `bundle` is one) and collects everything. */
export function runAgent(agent: string, cmd: string[], o: AgentRunOptions = {}): Promise<AgentRun> {
  const flags = [
    ...(o.contextFile ? ['--context', o.contextFile] : []),
    ...(o.reportFile ? ['--report', o.reportFile] : []),
  ];
  const argv = o.rawArgs ?? ['run', ...flags, '--', ...cmd];
  const [file, args] = agent.endsWith('.cjs') ? [process.execPath, [agent, ...argv]] : [agent, argv];
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...o.env };
  if (!o.env?.CARAVAN_CONTEXT) delete env.CARAVAN_CONTEXT;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: o.cwd, env, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (o.stdin) {
      const { text, delayMs } = o.stdin;
      setTimeout(() => child.stdin!.end(text), delayMs);
    }
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('spawn', () => o.onStart?.(child.pid!, { stdout: () => stdout }));
    child.once('close', (code, signal) => {
      const report =
        o.reportFile && existsSync(o.reportFile)
          ? (JSON.parse(readFileSync(o.reportFile, 'utf8')) as AgentReport)
          : undefined;
      resolve({ code, signal, stdout, stderr, report });
    });
  });
}

/** Resolves when `check` holds, polling; rejects after `tries`. */
export async function eventually(check: () => boolean, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
