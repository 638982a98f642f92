/**
 * The `process` executor: the agent as a child process of the engine, in its own process group
 * (`node <agent> run --context F --report R -- <command>`). Each task's state (pid, process start
 * time, exit code) is persisted under the private state directory, so a restarted engine can tell
 * whether a task of a dead engine still runs (same pid *and* same start time in /proc), exited
 * (its report file exists), or is gone; its agent is known even before its pid is recorded
 * (process-identity.ts). Every method is idempotent.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { isAlive, processStartTicks } from '@caravan/registry';
import type { AgentReport } from '@caravan/spec';
import { PGID_FILE_VAR, killGroup, readPgid, signalGroup } from './process-group.js';
import { claimStart, CLAIM_SCRIPT, runsWith } from './process-identity.js';
import type { ActionExecutor, TaskSpec, TaskState } from './types.js';
import { stepBaseEnv } from './process-env.js';
import type { ProcessExecutorOptions } from './process-options.js';

export type { ProcessBoundary, ProcessExecutorOptions } from './process-options.js';
export { stepBaseEnv } from './process-env.js';

interface TaskFile {
  taskId: string;
  workspace: string;
  command: string[];
  contextPath: string;
  reportPath: string;
  logPath: string;
  pid?: number;
  /** Start time of the pid in clock ticks since boot (/proc/<pid>/stat field 22): pids get reused. */
  startTicks?: number;
  exitCode?: number;
  cancelled?: boolean;
  /**
   * Written before the agent is spawned: the nonce of the start, whose process links
   * `<task>.<nonce>.pid` to its pid as its first act (process-identity.ts).
   */
  starting?: string;
}

/** The agent's grace period when its context names none (agent/src/entrypointer.ts). */
const AGENT_DEFAULT_GRACE_SECONDS = 10;

export class ProcessExecutor implements ActionExecutor {
  readonly kind = 'process';
  private readonly children = new Map<string, { child: ChildProcess; exit: Promise<TaskState>; state?: TaskState }>();
  private readonly killTimers = new Map<string, NodeJS.Timeout>();
  /** Tasks sent SIGTERM: a second SIGTERM would make the agent kill the action at once. */
  private readonly signalled = new Set<string>();

  constructor(private readonly opts: ProcessExecutorOptions) {}

  private file(taskId: string, ext: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(taskId)) throw new Error(`invalid task id "${taskId}"`);
    return join(this.opts.stateDir, `${taskId}.${ext}`);
  }

  private read(taskId: string): TaskFile | undefined {
    try {
      return JSON.parse(readFileSync(this.file(taskId, 'task.json'), 'utf8')) as TaskFile;
    } catch {
      return undefined;
    }
  }

  private write(t: TaskFile): void {
    const path = this.file(t.taskId, 'task.json');
    writeFileSync(path + '.tmp', JSON.stringify(t), { mode: 0o600 });
    renameSync(path + '.tmp', path);
  }

  async create(task: TaskSpec): Promise<void> {
    if (this.read(task.taskId)) return;
    mkdirSync(this.opts.stateDir, { recursive: true, mode: 0o700 });
    mkdirSync(task.workspace, { recursive: true });
    const contextPath = this.file(task.taskId, 'context.json');
    writeFileSync(contextPath, JSON.stringify({ ...task.context, workdir: task.context.workdir ?? task.workspace }), {
      mode: 0o600,
    });
    this.opts.boundary?.('context-written', task.taskId);
    this.write({
      taskId: task.taskId,
      workspace: task.workspace,
      command: task.command,
      contextPath,
      reportPath: this.file(task.taskId, 'report.json'),
      logPath: this.file(task.taskId, 'agent.log'),
    });
  }

  async start(taskId: string): Promise<void> {
    const t = this.read(taskId);
    if (!t) throw new Error(`process executor: task ${taskId} was not created`);
    if (t.pid !== undefined || this.children.has(taskId)) return;
    // The intent first: a resumed engine then looks for this start's process by its link.
    const starting = randomBytes(6).toString('hex');
    this.write({ ...t, starting });
    const log = openSync(t.logPath, 'a', 0o600);
    const node = this.opts.nodePath ?? process.execPath;
    const argv = ['run', '--context', t.contextPath, '--report', t.reportPath, '--', ...t.command];
    const agent = node ? [node, this.opts.agentPath, ...argv] : [this.opts.agentPath, ...argv];
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', CLAIM_SCRIPT, this.link(taskId, starting), ...agent], this.spawnOptions(t, log));
    } finally {
      closeSync(log);
    }
    const exit = new Promise<TaskState>((resolve) => {
      child.once('error', (err) =>
        resolve(this.exited(taskId, 127, `cannot start the agent (${this.opts.agentPath}): ${err.message}`)),
      );
      child.once('exit', (code, signal) => {
        const signum = signal ? ((constants.signals as Record<string, number>)[signal] ?? 9) : 0;
        resolve(this.exited(taskId, code ?? 128 + signum));
      });
    });
    this.children.set(taskId, { child, exit });
    this.opts.boundary?.('spawned', taskId);
    if (child.pid !== undefined)
      this.write({ ...t, starting, pid: child.pid, startTicks: processStartTicks(child.pid) });
  }

  private link(taskId: string, nonce: string): string {
    return this.file(taskId, `${nonce}.pid`);
  }

  /**
   * A task whose pid is not recorded: its start's process, found by its link (and recorded now),
   * or, when nothing was started under that start, the start claimed so that nothing will be.
   */
  private ownProcess(t: TaskFile): TaskFile {
    if (t.pid !== undefined || t.starting === undefined) return t;
    const claim = claimStart(this.link(t.taskId, t.starting));
    if (claim.kind === 'abandoned') {
      const { starting: _, ...rest } = t;
      this.write(rest);
      return rest;
    }
    const ours = existsSync('/proc') ? runsWith(claim.pid, t.contextPath) : isAlive(claim.pid);
    const found = {
      ...t,
      pid: claim.pid,
      ...(ours ? { startTicks: processStartTicks(claim.pid) } : { startTicks: -1 }),
    };
    this.write(found);
    return found;
  }

  private spawnOptions(t: TaskFile, log: number) {
    return {
      cwd: t.workspace,
      detached: true,
      stdio: ['ignore', log, log] as ['ignore', number, number],
      env: { ...(this.opts.env ?? stepBaseEnv(process.env)), [PGID_FILE_VAR]: this.file(t.taskId, 'pgid') },
    };
  }

  private exited(taskId: string, exitCode: number, message?: string): TaskState {
    const timer = this.killTimers.get(taskId);
    if (timer) clearTimeout(timer);
    this.killTimers.delete(taskId);
    const t = this.read(taskId);
    if (t) this.write({ ...t, exitCode });
    const state: TaskState = { phase: 'exited', exitCode, message: message ?? this.logTail(taskId) };
    const entry = this.children.get(taskId);
    if (entry) entry.state = state;
    return state;
  }

  /** The agent's own last diagnostic lines (its stderr), when it printed any. */
  private logTail(taskId: string): string | undefined {
    try {
      const lines = readFileSync(this.file(taskId, 'agent.log'), 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l.trim() !== '');
      if (lines.length === 0) return undefined;
      // Node's own start-up failures put the message first and a stack after it.
      const headline = lines.find((l) => /\bError\b|error:/.test(l));
      const tail = lines.slice(-3);
      return [...(headline && !tail.includes(headline) ? [headline] : []), ...tail].join('\n');
    } catch {
      return undefined;
    }
  }

  async status(taskId: string): Promise<TaskState> {
    const entry = this.children.get(taskId);
    if (entry) return entry.state ?? { phase: 'running' };
    const read = this.read(taskId);
    // Nothing runs without a task file: the start reads it, and it is removed only after the end.
    if (!read) return { phase: 'gone', message: 'no such task', neverStarted: true };
    const t = this.ownProcess(read);
    if (t.exitCode !== undefined) return { phase: 'exited', exitCode: t.exitCode };
    if (t.pid === undefined) return { phase: 'created' };
    if (isAlive(t.pid, t.startTicks)) return { phase: 'running' };
    const report = await this.readReport(taskId);
    if (report) return { phase: 'exited', exitCode: report.exitCode ?? 1 };
    return { phase: 'gone', message: `agent process ${t.pid} ended without a report` };
  }

  async wait(taskId: string): Promise<TaskState> {
    const entry = this.children.get(taskId);
    if (entry) return entry.exit;
    // A task of another (dead) engine: not our child, so poll.
    for (;;) {
      const s = await this.status(taskId);
      if (s.phase === 'exited' || s.phase === 'gone') return s;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async readReport(taskId: string): Promise<AgentReport | undefined> {
    try {
      return JSON.parse(readFileSync(this.file(taskId, 'report.json'), 'utf8')) as AgentReport;
    } catch {
      return undefined;
    }
  }

  /**
   * SIGTERM to the agent, once per task however often it is called (also across engines: the
   * task file remembers it); the agent forwards it to the action's group and SIGKILLs the group
   * after the grace period. Only if the agent still runs `killSlackMs` after that does the
   * executor SIGKILL the agent's group and the action's.
   */
  async cancel(taskId: string): Promise<void> {
    const t = this.read(taskId);
    if (!t || t.pid === undefined || t.exitCode !== undefined) return;
    if (!isAlive(t.pid, t.startTicks)) return;
    if (!t.cancelled && !this.signalled.has(taskId)) {
      this.write({ ...t, cancelled: true });
      signalGroup(t.pid, 'SIGTERM');
    }
    this.signalled.add(taskId);
    if (this.killTimers.has(taskId)) return;
    const ms = (this.opts.graceSeconds ?? 10) * 1000 + (this.opts.killSlackMs ?? 2000);
    const timer = setTimeout(() => this.kill(taskId), ms).unref();
    this.killTimers.set(taskId, timer);
  }

  /**
   * The grace period the task's agent was given: the one in its context (the step's), else the
   * agent's default. A cancel by another process (`caravan cancel` with no engine) waits that long.
   */
  async stopGraceSeconds(taskId: string): Promise<number | undefined> {
    const t = this.read(taskId);
    if (!t) return undefined;
    try {
      const context = JSON.parse(readFileSync(t.contextPath, 'utf8')) as { graceSeconds?: unknown };
      const seconds = context.graceSeconds;
      if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return seconds;
    } catch {
      // No readable context: the agent ran with its default.
    }
    return AGENT_DEFAULT_GRACE_SECONDS;
  }

  /** SIGKILL to the agent's group, when it still runs, and to what is left of the action's. */
  private kill(taskId: string): number[] {
    this.killTimers.delete(taskId);
    const t = this.read(taskId);
    if (!t) return [];
    if (t.pid !== undefined && t.exitCode === undefined && isAlive(t.pid, t.startTicks)) signalGroup(t.pid, 'SIGKILL');
    return this.reapGroup(t);
  }

  private reapGroup(t: TaskFile): number[] {
    const pgid = readPgid(this.file(t.taskId, 'pgid'));
    return pgid === undefined ? [] : killGroup(pgid, t.startTicks);
  }

  /** After the agent ended: SIGKILLs what is left in the action's group; the pids found (none, normally). */
  async reap(taskId: string): Promise<number[]> {
    const t = this.read(taskId);
    return t ? this.reapGroup(t) : [];
  }

  async remove(taskId: string): Promise<void> {
    clearTimeout(this.killTimers.get(taskId));
    const read = this.read(taskId);
    // A start whose pid is not recorded yet: find (or claim) it first, so that it is killed too.
    if (read && !this.children.has(taskId)) this.ownProcess(read);
    this.kill(taskId);
    this.signalled.delete(taskId);
    this.children.delete(taskId);
    rmSync(this.spoolDir(taskId), { recursive: true, force: true });
    for (const ext of [
      'context.json',
      'report.json',
      'agent.log',
      'pgid',
      ...(read?.starting ? [`${read.starting}.pid`] : []),
    ])
      rmSync(this.file(taskId, ext), { force: true });
    rmSync(this.file(taskId, 'task.json'), { force: true });
  }

  /** Where the agent keeps what it could not deliver: beside its report (agent/src/spool.ts). */
  spoolDir(taskId: string): string {
    return this.file(taskId, 'report.json.spool');
  }
}
