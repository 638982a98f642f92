/** A task's state read off its container, with a message that says why it ended badly. */
import type { TaskState } from './types.js';
import type { ContainerInspect, DockerApi } from './docker-api.js';
import { lastLines } from './docker-logs.js';
import { COULD_NOT_START } from './docker-options.js';

export async function stateOf(api: DockerApi, container: ContainerInspect, tailLines: number): Promise<TaskState> {
  const state = container.State;
  switch (state.Status) {
    case 'created':
    case 'configured':
      return { phase: 'created' };
    case 'running':
    case 'paused':
    case 'restarting':
      return { phase: 'running' };
    default:
      return { phase: 'exited', exitCode: state.ExitCode, ...(await exitMessage(api, container, tailLines)) };
  }
}

async function exitMessage(
  api: DockerApi,
  container: ContainerInspect,
  tailLines: number,
): Promise<{ message?: string }> {
  const state = container.State;
  if (state.OOMKilled)
    return { message: `the container was killed for running out of memory (exit code ${state.ExitCode})` };
  if (state.Error)
    return { message: `the container failed: ${state.Error}${await outputTail(api, container.Id, tailLines)}` };
  if (COULD_NOT_START.has(state.ExitCode)) {
    return {
      message: `the agent or the command could not start (exit code ${state.ExitCode})${await outputTail(api, container.Id, tailLines)}`,
    };
  }
  return state.ExitCode === 0 ? {} : { message: `the container exited with code ${state.ExitCode}` };
}

/** The container's last output lines, for an error message. */
export async function outputTail(api: DockerApi, id: string, count: number): Promise<string> {
  const lines = lastLines(await api.logsTail(id, count), count);
  return lines.length ? `; last output:\n${lines.join('\n')}` : '';
}
