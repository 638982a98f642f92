import { constants } from 'node:os';
import type { AgentError, TaskStatus } from '@caravan/spec';

export interface EndFacts {
  command: string;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  startError?: NodeJS.ErrnoException;
  timedOut?: { seconds: number };
  cancelledBy?: NodeJS.Signals;
  oomKillsBefore?: number;
  oomKillsAfter?: number;
  path?: string;
  /** Names of environment variables over Linux's 128 KiB limit for one variable (see action-env.ts). */
  oversizedVariables?: string[];
}

export interface EndAnalysis {
  status: TaskStatus;
  exitCode: number | null;
  signal: string | null;
  errors: AgentError[];
}

export function signalNumber(signal: string): number {
  return (constants.signals as Record<string, number | undefined>)[signal] ?? 0;
}

/** The agent's exit code: the action's own, 128+n when a signal n ended it, 127/126 when it could not start. */
export function exitCodeOf(end: EndAnalysis): number {
  if (end.exitCode !== null) return end.exitCode;
  if (end.signal) return 128 + signalNumber(end.signal);
  return 1;
}

/** Classifies how the action ended. Only facts: a guess never fails a successful action. */
export function analyzeEnd(facts: EndFacts): EndAnalysis {
  if (facts.startError)
    return startFailure(facts.command, facts.startError, facts.path, facts.oversizedVariables ?? []);
  const code = facts.exit?.code ?? null;
  const signal = facts.exit?.signal ?? null;
  const oomStruck =
    facts.oomKillsBefore !== undefined &&
    facts.oomKillsAfter !== undefined &&
    facts.oomKillsAfter > facts.oomKillsBefore;
  const errors: AgentError[] = [];
  let status: TaskStatus = code === 0 ? 'success' : 'failed';

  if (facts.timedOut) {
    status = 'timeout';
    errors.push({
      kind: 'timeout',
      message: `the action ran longer than its timeout of ${facts.timedOut.seconds}s and was stopped; raise timeoutSeconds or make it faster`,
    });
  } else if (facts.cancelledBy) {
    status = 'cancelled';
    errors.push({
      kind: 'cancelled',
      message: `the action was cancelled (${facts.cancelledBy} received by the agent)`,
    });
  } else if ((signal === 'SIGKILL' || code === 137) && oomStruck) {
    errors.push({
      kind: 'oom',
      message:
        'the action was killed by the out-of-memory killer (the cgroup counts a new oom_kill); give it more memory or make it use less',
    });
  } else if (signal) {
    const hint =
      signal === 'SIGKILL' ? ' (killed from outside: possibly out of memory, though the cgroup shows no OOM kill)' : '';
    errors.push({ kind: 'signal', message: `the action was killed by signal ${signal}${hint}` });
  } else if (code !== 0) {
    const hint =
      code === 137
        ? ' (128+9: killed by SIGKILL, possibly out of memory)'
        : code !== null && code > 128 && code < 160
          ? ` (128+${code - 128}: a signal ended it)`
          : '';
    errors.push({ kind: 'exit', message: `the action exited with code ${code}${hint}` });
  }
  return { status, exitCode: code, signal, errors };
}

function startFailure(
  command: string,
  err: NodeJS.ErrnoException,
  path: string | undefined,
  oversized: string[],
): EndAnalysis {
  let message: string;
  let exitCode = 127;
  if (err.code === 'ENOENT') {
    message = command.includes('/')
      ? `could not start the action: "${command}" does not exist; check the path (relative paths start from the workdir)`
      : `could not start the action: command not found: "${command}"; install it in the image or fix PATH (${path ?? 'unset'})`;
  } else if (err.code === 'EACCES') {
    exitCode = 126;
    message = `could not start the action: permission denied: "${command}"; make it executable (chmod +x) or run it through its interpreter (e.g. sh ${command})`;
  } else if (err.code === 'ENOEXEC') {
    exitCode = 126;
    message = `could not start the action: "${command}" is not an executable format; add a "#!" line or run it through its interpreter`;
  } else if (err.code === 'E2BIG') {
    exitCode = 126;
    const which =
      oversized.length > 0
        ? `${oversized.join(', ')} ${oversized.length > 1 ? 'are' : 'is'} over`
        : 'the arguments and environment together are over';
    message = `could not start the action: ${which} the system's limit (128 KiB for one environment variable); pass large values through a file instead`;
  } else {
    message = `could not start the action "${command}": ${err.code ?? ''} ${err.message}`.trim();
  }
  return { status: 'error', exitCode, signal: null, errors: [{ kind: 'start', message }] };
}
