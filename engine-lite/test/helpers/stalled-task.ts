/**
 * What a crash test says when its run stalls before the crash point: each container of the run
 * with its output, its processes (host pid, state, kernel wait channel) and the run's events, so
 * a rare stall on a loaded machine can be told apart from a wrong expectation.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { DockerApi } from '../../src/executors/docker-api.js';
import type { EngineStore } from '../../src/store/types.js';

function readProc(pid: string, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').trim();
  } catch (error) {
    return String(error);
  }
}

function processes(dockerHost: string, id: string): string {
  try {
    const table = execFileSync('podman', ['--url', dockerHost, 'top', id, 'pid', 'hpid', 'state', 'time', 'args'], {
      encoding: 'utf8',
    });
    const hostPids = table
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[1] ?? '')
      .filter((pid) => /^\d+$/.test(pid));
    const waits = hostPids.map((pid) => `${pid}: wchan=${readProc(pid, 'wchan')}`);
    return `${table}${waits.join('\n')}`;
  } catch (error) {
    return String(error);
  }
}

export async function describeStalledRun(
  api: DockerApi,
  dockerHost: string,
  store: EngineStore,
  runId: string,
): Promise<string> {
  const containers = await api.listContainersByLabel(`caravan.run=${runId}`);
  const parts = await Promise.all(
    containers.map(
      async (c) =>
        `${c.Names?.join(',')} ${c.State}\noutput: ${await api.logsTail(c.Id, 30)}\n${processes(dockerHost, c.Id)}`,
    ),
  );
  const events = (await store.getEvents(runId)).map((e) => `${e.stepId ?? ''} ${e.type} ${JSON.stringify(e.data)}`);
  return `containers:\n${parts.join('\n')}\nevents:\n${events.join('\n')}`;
}
