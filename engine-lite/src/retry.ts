import type { RetryPolicy } from '@caravan/spec';

/** Seconds to wait before attempt `attempt + 1`, after `attempt` attempts (1-based) failed. */
export function retryDelaySeconds(policy: RetryPolicy, attempt: number): number {
  const raw = policy.backoffSeconds * Math.pow(policy.factor, Math.max(0, attempt - 1));
  return Math.max(0, Math.min(raw, policy.maxSeconds));
}

/** Whether attempt number `attempt` (1-based) may be followed by another one. */
export function hasAttemptsLeft(policy: RetryPolicy | undefined, attempt: number): boolean {
  return policy !== undefined && attempt <= policy.count;
}
