/**
 * How an attempt ended, from what is known when its task is over: the agent's report decides
 * (status, outputs, errors); without one the exit code does (0 success, else failed); a task that
 * vanished is `lost`. What the task left that the engine refused to read (a report or spool the
 * action tampered with) fails it whatever the report says. An engine-side timeout or cancel
 * overrides anything but success.
 */
import type { AgentReport } from '@caravan/spec';
import type { TaskState } from './executors/types.js';
import type { StepStatus } from './status.js';

export interface AttemptResult {
  status: StepStatus;
  exitCode?: number;
  outputs: Record<string, string>;
  error?: string;
  /** A deterministic failure (bad input, veto): retrying would fail the same way. */
  noRetry?: boolean;
}

export function attemptResult(
  report: AgentReport | undefined,
  state: TaskState,
  flags: { timedOut: boolean; cancelled: boolean; refused?: string | undefined },
): AttemptResult {
  let result: AttemptResult;
  if (flags.refused) {
    const exitCode = report?.exitCode ?? (state.phase === 'exited' ? state.exitCode : undefined);
    result = { status: 'failed', ...(exitCode != null ? { exitCode } : {}), outputs: {}, error: flags.refused };
  } else if (report) {
    const errors = report.errors.map((e) => e.message).filter(Boolean);
    result = {
      status: report.status,
      exitCode: report.exitCode ?? undefined,
      outputs: report.outputs,
      error: errors.length
        ? errors.slice(0, 3).join('; ')
        : report.status === 'success'
          ? undefined
          : report.stderrExcerpt.slice(-3).join('\n') || undefined,
    };
  } else if (state.phase === 'exited') {
    const code = state.exitCode ?? 1;
    result = {
      status: code === 0 ? 'success' : 'failed',
      exitCode: code,
      outputs: {},
      error:
        code === 0
          ? undefined
          : `the agent sent no report and exited with code ${code}${state.message ? `: ${state.message}` : ''}`,
    };
  } else {
    result = { status: 'lost', outputs: {}, error: `the task is gone${state.message ? `: ${state.message}` : ''}` };
  }
  if (flags.timedOut && result.status !== 'success')
    return { ...result, status: 'timeout', error: result.error ?? 'the step ran past its timeout' };
  if (flags.cancelled && result.status !== 'success')
    return { ...result, status: 'cancelled', error: 'the run was cancelled' };
  return result;
}
