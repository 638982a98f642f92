/**
 * Runs a built-in action under the real agent, the way the engine does:
 * `node dist/agent.cjs run --context ctx.json --report report.json -- node <action>/index.mjs`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parse } from 'yaml';
import type { ActionOutput, AgentReport } from '@caravan/spec';

export const actionsDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(actionsDir, '..', '..');
/**
 * The agent bundled from agent/src/main.ts with the options of scripts/build.mjs, into a file of
 * this test process: test files run in parallel, and a bundle rewritten under a running test breaks it.
 */
export const agentBundle = join(tmpdir(), `caravan-agent-test-${process.pid}.cjs`);

export interface RunOptions {
  secrets?: Record<string, string>;
  env?: Record<string, string>;
  /** The step's working directory; default a fresh temp dir. */
  workdir?: string;
  timeoutSeconds?: number;
}

export interface ActionRun {
  report: AgentReport;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  workdir: string;
}

/** Bundles the agent (call in beforeAll). */
export async function buildAgent(): Promise<void> {
  const entry = join(repoRoot, 'agent', 'src', 'main.ts');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist yet: the agent is needed to run actions`);
  await build({
    entryPoints: [entry],
    outfile: agentBundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
  });
  process.once('exit', () => rmSync(agentBundle, { force: true }));
}

function declaredOutputs(name: string): Record<string, ActionOutput> {
  const spec = parse(readFileSync(join(actionsDir, name, 'action.yml'), 'utf8')) as {
    outputs?: Record<string, ActionOutput>;
  };
  return spec.outputs ?? {};
}

function spawnCollect(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string; exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ stdout, stderr, exitCode }));
  });
}

/** Runs `marketplace/actions/<name>` with `params` as its inputs. */
export async function runAction(
  name: string,
  params: Record<string, unknown>,
  options: RunOptions = {},
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), `caravan-${name}-`));
  const workdir = options.workdir ?? join(dir, 'workspace');
  mkdirSync(workdir, { recursive: true });
  const contextFile = join(dir, 'context.json');
  const reportFile = join(dir, 'report.json');
  const context = {
    params,
    secrets: options.secrets ?? {},
    env: options.env ?? {},
    workdir,
    outputs: declaredOutputs(name),
    ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
  };
  writeFileSync(contextFile, JSON.stringify(context));
  const result = await spawnCollect(
    process.execPath,
    [
      agentBundle,
      'run',
      '--context',
      contextFile,
      '--report',
      reportFile,
      '--',
      process.execPath,
      join(actionsDir, name, 'index.mjs'),
    ],
    workdir,
    {},
  );
  if (!existsSync(reportFile)) {
    throw new Error(
      `the agent wrote no report (exit ${result.exitCode}); stdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as AgentReport;
  return { ...result, report, workdir };
}

/** Every error of a run, from its report: `::error::` annotations and the agent's own errors. */
export function errorMessages(run: ActionRun): string {
  const annotations = run.report.annotations.filter((a) => a.level === 'error').map((a) => a.message);
  return [...annotations, ...run.report.errors.map((e) => e.message)].join('\n');
}
