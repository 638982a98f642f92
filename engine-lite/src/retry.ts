/** The retry policy of a step (`retry: { count, backoff, factor, max }`): how many more attempts, and when. */
import type { RetryPolicy } from '@caravan/spec';
import type { StepStatus } from './status.js';
import { RETRYABLE_STEP_STATUSES } from './status.js';

/** Seconds to wait before attempt `attempt + 1`, after `attempt` attempts (1-based) failed. */
export function retryDelaySeconds(policy: RetryPolicy, attempt: number): number {
  const raw = policy.backoffSeconds * Math.pow(policy.factor, Math.max(0, attempt - 1));
  return Math.max(0, Math.min(raw, policy.maxSeconds));
}

/** Whether attempt number `attempt` (1-based) may be followed by another one. */
export function hasAttemptsLeft(policy: RetryPolicy | undefined, attempt: number): boolean {
  return policy !== undefined && attempt <= policy.count;
}

/**
 * When the next attempt is due after attempt `attempt` ended with `result` at `endedAt`; undefined
 * when there will be none: a success, a deterministic failure, a cancelled run, no attempts left.
 */
export function retryDueAt(
  policy: RetryPolicy | undefined,
  attempt: number,
  result: { status: StepStatus; noRetry?: boolean },
  cancelRequested: boolean,
  endedAt: number,
): number | undefined {
  if (!policy || !RETRYABLE_STEP_STATUSES.has(result.status) || result.noRetry || cancelRequested) return undefined;
  if (!hasAttemptsLeft(policy, attempt)) return undefined;
  return endedAt + retryDelaySeconds(policy, attempt) * 1000;
}
