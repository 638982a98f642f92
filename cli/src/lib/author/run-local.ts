/** `caravan action run`: one action, run locally under caravan-agent, the way the engine runs a step. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AgentReport, TaskContext } from '@caravan/spec';
import { caravanHome } from '@caravan/registry';
import { defaultAgentPath } from '@caravan/engine';
import { actionCommand } from '@caravan/engine';
import { loadActionDir } from './load-action.js';
import { ContainerCliError, containerCli } from '../images/container-cli.js';
import { resolveParams } from './params.js';
import { planImageRun } from './run-in-image.js';

export interface LocalRunOptions {
  dir: string;
  with: string[];
  secrets: string[];
  /** The step's working directory; default the current directory. */
  workdir?: string;
  agentPath?: string;
  env?: NodeJS.ProcessEnv;
}

export interface LocalRunResult {
  report: AgentReport;
  exitCode: number;
  warnings: string[];
}

/** Runs the action; its (masked) log goes to our stdout and stderr as it comes. */
export async function runActionLocally(opts: LocalRunOptions): Promise<LocalRunResult> {
  const env = opts.env ?? process.env;
  const { dir, spec, warnings } = await loadActionDir(opts.dir);
  const { params, secrets } = resolveParams(spec, opts.with, opts.secrets, env);
  const agent = opts.agentPath ?? defaultAgentPath();
  if (!existsSync(agent))
    throw new Error(`caravan-agent was not found at ${agent}: build it (node scripts/build.mjs) or set CARAVAN_AGENT`);
  const { command, image } = actionCommand(spec, dir);
  let cli: string | undefined;
  if (image) {
    try {
      cli = containerCli(env);
    } catch (err) {
      if (!(err instanceof ContainerCliError)) throw err;
      warnings.push(
        `${spec.name} runs in the image ${image}, but ${err.message}; caravan action run runs its command on this machine instead`,
      );
    }
  }
  if (command.length === 0)
    throw new Error(`${spec.name} has no command to run: its runs.image needs runs.command to run locally`);

  const home = caravanHome(env);
  const runId = `local-${Date.now().toString(36)}`;
  const workdir = resolve(opts.workdir ?? process.cwd());
  const context: Partial<TaskContext> = {
    runId,
    stepId: spec.name.split('/').at(-1) ?? 'step',
    params,
    secrets,
    env: {
      CARAVAN_RUN_ID: runId,
      CARAVAN_STEP_ID: spec.name.split('/').at(-1) ?? 'step',
      CARAVAN_ACTION_DIR: dir,
      CARAVAN_CACHE_DIR: join(home, 'cache', 'actions-cache'),
      CARAVAN_ARTIFACTS_DIR: join(home, 'artifacts'),
      CARAVAN_APPROVALS_DIR: join(home, 'approvals'),
    },
    workdir,
    outputs: spec.outputs,
    ...(spec.timeout !== undefined ? { timeoutSeconds: spec.timeout } : {}),
  };

  // The context holds the secrets: a private file in a private folder, removed afterwards.
  const scratch = await mkdtemp(join(tmpdir(), 'caravan-run-'));
  try {
    await mkdir(workdir, { recursive: true });
    const contextFile = join(scratch, 'context.json');
    const reportFile = join(scratch, 'report.json');
    let argv: string[];
    if (image && cli) {
      const plan = planImageRun({ cli, image, command, actionDir: dir, workdir, scratch, env });
      argv = plan.argv;
      // the host's cache, artifact and approval folders are not in the container
      const containerContext = {
        ...context,
        workdir: plan.context.workdir,
        env: { ...context.env, ...plan.context.env },
      };
      for (const key of ['CARAVAN_CACHE_DIR', 'CARAVAN_ARTIFACTS_DIR', 'CARAVAN_APPROVALS_DIR'])
        delete containerContext.env[key];
      await writeFile(contextFile, JSON.stringify(containerContext), { mode: 0o600 });
    } else {
      const agentArgv = /\.c?js$/.test(agent) ? [process.execPath, agent] : [agent];
      argv = [...agentArgv, 'run', '--context', contextFile, '--report', reportFile, '--', ...command];
      await writeFile(contextFile, JSON.stringify(context), { mode: 0o600 });
    }
    const exitCode = await new Promise<number>((resolveExit, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { cwd: workdir, env, stdio: ['inherit', 'inherit', 'inherit'] });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
        resolveExit(code ?? (signal ? 128 : 1));
      });
    });
    let report: AgentReport;
    try {
      report = JSON.parse(await readFile(reportFile, 'utf8')) as AgentReport;
    } catch {
      throw new Error(`caravan-agent exited with code ${exitCode} without a report`);
    }
    return { report, exitCode, warnings };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The human summary printed after the log: outputs, then the report's essentials. */
export function formatRunSummary(report: AgentReport): string {
  const lines = ['', '── outputs'];
  const outputs = Object.entries(report.outputs);
  if (outputs.length === 0) lines.push('  (none)');
  for (const [name, value] of outputs) {
    const text = value.includes('\n') ? `\n    ${value.split('\n').join('\n    ')}` : ` ${value}`;
    lines.push(`  ${name} =${text}`);
  }
  lines.push('── report');
  lines.push(
    `  status: ${report.status}   exit code: ${report.exitCode ?? `signal ${report.signal}`}   duration: ${report.durationMs} ms   masked: ${report.masked}`,
  );
  for (const e of report.errors) lines.push(`  error (${e.kind}): ${e.message}`);
  for (const w of report.warnings) lines.push(`  warning: ${w}`);
  for (const a of report.annotations.filter((x) => x.level !== 'error')) lines.push(`  ${a.level}: ${a.message}`);
  return `${lines.join('\n')}\n`;
}
