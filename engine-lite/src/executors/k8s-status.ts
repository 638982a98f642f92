/** Maps a Job and its pods to the engine's TaskState. */
import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import type { TaskState } from './types.js';
import { ACTION_CONTAINER, AGENT_INIT_CONTAINER } from './k8s-job.js';

/** Waiting reasons that never resolve by themselves. */
const STUCK_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

/** Exit code reported for a task whose pod was deleted before the action container ended (SIGTERM). */
export const CANCELLED_EXIT_CODE = 143;
/** Exit code reported when the Job failed without a terminated action container (deadline, eviction). */
export const UNKNOWN_FAILURE_EXIT_CODE = 1;

function terminated(
  status: V1ContainerStatus | undefined,
): { exitCode: number; reason?: string; message?: string } | undefined {
  return status?.state?.terminated ?? undefined;
}

function latestPod(pods: V1Pod[]): V1Pod | undefined {
  return [...pods]
    .sort((a, b) => (a.metadata?.creationTimestamp?.getTime() ?? 0) - (b.metadata?.creationTimestamp?.getTime() ?? 0))
    .at(-1);
}

function waitingProblem(pod: V1Pod | undefined): string | undefined {
  const statuses = [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && STUCK_REASONS.has(waiting.reason)) {
      return `container ${status.name} (${status.image}) is waiting: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
    }
  }
  return undefined;
}

export function taskStateFromJob(job: V1Job | null, pods: V1Pod[]): TaskState {
  if (!job)
    return { phase: 'gone', message: 'the Job does not exist (removed, or expired after ttlSecondsAfterFinished)' };
  const pod = latestPod(pods);
  const action = terminated(pod?.status?.containerStatuses?.find((s) => s.name === ACTION_CONTAINER));
  const init = terminated(pod?.status?.initContainerStatuses?.find((s) => s.name === AGENT_INIT_CONTAINER));
  const conditions = job.status?.conditions ?? [];
  const holds = (type: string): { reason?: string; message?: string } | undefined =>
    conditions.find((c) => c.type === type && c.status === 'True');

  if (job.metadata?.deletionTimestamp) {
    return {
      phase: 'exited',
      exitCode: action?.exitCode ?? CANCELLED_EXIT_CODE,
      message: 'cancelled: the Job is being deleted',
    };
  }
  if (holds('Complete') || holds('SuccessCriteriaMet')) return { phase: 'exited', exitCode: action?.exitCode ?? 0 };
  const failed = holds('Failed') ?? holds('FailureTarget');
  if (failed) {
    if (init && init.exitCode !== 0) {
      return {
        phase: 'exited',
        exitCode: init.exitCode,
        message: `the init container could not copy the agent (exit code ${init.exitCode}); check the agent image`,
      };
    }
    const why =
      failed.reason === 'DeadlineExceeded'
        ? 'the Job exceeded activeDeadlineSeconds'
        : `the Job failed (${failed.reason ?? 'no reason given'}${failed.message ? `: ${failed.message}` : ''})`;
    return {
      phase: 'exited',
      exitCode: action?.exitCode ?? UNKNOWN_FAILURE_EXIT_CODE,
      message: action && action.exitCode !== 0 ? `the container exited with code ${action.exitCode}` : why,
    };
  }
  if (action) return { phase: 'exited', exitCode: action.exitCode };
  if (job.spec?.suspend) return { phase: 'created' };
  const problem = waitingProblem(pod);
  if (pod?.status?.phase === 'Running') return { phase: 'running' };
  return problem ? { phase: 'pending', message: problem } : { phase: 'pending' };
}
