/**
 * What a task's container leaves for the engine: the agent's report and its spool, read from the
 * bound task folder on the host, or out of the container (`GET .../archive`) when it was not bound.
 * Either is read within the agent's own limits; past them the attempt fails (TaskOutputRefused).
 */
import { existsSync } from 'node:fs';
import { TarballError } from '@caravan/registry';
import type { AgentReport } from '@caravan/spec';
import { TaskOutputRefused, type SpoolSource } from './types.js';
import { ArchiveTooLarge, type DockerApi } from './docker-api.js';
import { reportPath } from './docker-container-spec.js';
import { findTaskContainer } from './docker-lookup.js';
import type { DockerExecutorOptions } from './docker-options.js';
import { REPORT_READ, reportFromArchive } from './docker-report.js';
import { copySpoolOut } from './docker-spool.js';
import type { TaskDir } from './docker-task-dir.js';

export async function readTaskReport(
  api: DockerApi,
  o: DockerExecutorOptions,
  dir: TaskDir,
  taskId: string,
): Promise<AgentReport | undefined> {
  const bound = o.reportFile ? undefined : await dir.report();
  if (bound) return bound;
  const container = await findTaskContainer(api, taskId);
  if (!container) return undefined;
  return refusing(taskId, async () => {
    const archive = await api.openArchive(container.Id, reportPath(o, dir.isBound()), REPORT_READ.limit);
    return archive ? reportFromArchive(archive) : undefined;
  });
}

export async function takeTaskSpool(
  api: DockerApi,
  o: DockerExecutorOptions,
  dir: TaskDir,
  taskId: string,
): Promise<SpoolSource | undefined> {
  if (!o.reportFile && dir.isBound()) return existsSync(dir.spool) ? { dir: dir.spool } : undefined;
  const container = await findTaskContainer(api, taskId);
  if (!container) {
    return {
      lost: `the container of task ${taskId} is gone, and with it what its agent spooled while no engine listened (how many log lines is not known)`,
    };
  }
  const copied = await refusing(taskId, () =>
    copySpoolOut(api, container.Id, `${reportPath(o, false)}.spool`, dir.copied),
  );
  return copied ? { dir: copied } : undefined;
}

/** Runs `read`; an archive over its limits becomes the task's TaskOutputRefused. */
async function refusing<T>(taskId: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ArchiveTooLarge || err instanceof TarballError)
      throw new TaskOutputRefused(`task ${taskId}: ${err.message}`);
    throw err;
  }
}
