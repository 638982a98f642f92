/**
 * Step and run statuses (after Erda's, fewer of them) and the one table of allowed transitions.
 * Every status change goes through `assertTransition`, so an impossible change is a bug that
 * throws instead of a silent corruption of the run record.
 */
export type StepStatus =
  'queued' | 'running' | 'success' | 'failed' | 'timeout' | 'cancelled' | 'skipped' | 'error' | 'lost';
export type RunStatus = 'queued' | 'running' | 'success' | 'failed' | 'cancelled' | 'error';

export const STEP_TRANSITIONS: Readonly<Record<StepStatus, readonly StepStatus[]>> = {
  // queued: waiting for its dependencies, a retry's backoff, or a free slot.
  queued: ['running', 'skipped', 'cancelled', 'error'],
  // running → queued only on resume, for a task its engine created but never started (nothing ran).
  running: ['success', 'failed', 'timeout', 'cancelled', 'error', 'lost', 'queued'],
  // An unsuccessful attempt goes back to queued only when its retry policy has attempts left.
  failed: ['queued'],
  timeout: ['queued'],
  error: ['queued'],
  lost: ['queued'],
  success: [],
  cancelled: [],
  skipped: [],
};

export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['running', 'cancelled', 'error'],
  running: ['success', 'failed', 'cancelled', 'error'],
  // A finished run can be resumed (e.g. to retry lost steps after a crash): it runs again.
  failed: ['running'],
  error: ['running'],
  cancelled: [],
  success: [],
};

/** Statuses after which the step does nothing more unless it is retried. */
export const DONE_STEP_STATUSES: ReadonlySet<StepStatus> = new Set([
  'success',
  'failed',
  'timeout',
  'cancelled',
  'skipped',
  'error',
  'lost',
]);
/** Statuses that count as a problem for the run and for `failure()`. */
export const BAD_STEP_STATUSES: ReadonlySet<StepStatus> = new Set(['failed', 'timeout', 'error', 'lost']);
/** Statuses that may be retried by the step's retry policy. */
export const RETRYABLE_STEP_STATUSES: ReadonlySet<StepStatus> = new Set(['failed', 'timeout', 'error', 'lost']);

export function canTransition(from: StepStatus, to: StepStatus): boolean {
  return STEP_TRANSITIONS[from].includes(to);
}

export function assertTransition(stepId: string, from: StepStatus, to: StepStatus): void {
  if (!canTransition(from, to)) {
    throw new Error(
      `step ${stepId}: invalid status change ${from} → ${to} (allowed from ${from}: ${STEP_TRANSITIONS[from].join(', ') || 'none'})`,
    );
  }
}

export function canRunTransition(from: RunStatus, to: RunStatus): boolean {
  return from === to || RUN_TRANSITIONS[from].includes(to);
}

export function isStepStatus(value: string): value is StepStatus {
  return value in STEP_TRANSITIONS;
}

/** The run's result from its steps' final statuses: cancelled wins, then any problem, else success. */
export function runResult(statuses: Iterable<StepStatus>, cancelRequested: boolean): RunStatus {
  if (cancelRequested) return 'cancelled';
  let cancelled = false;
  for (const s of statuses) {
    if (BAD_STEP_STATUSES.has(s)) return 'failed';
    if (s === 'cancelled') cancelled = true;
  }
  return cancelled ? 'cancelled' : 'success';
}
