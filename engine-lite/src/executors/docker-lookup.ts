/** Finding, creating and removing a task's containers: by the name it was given, checked by its label. */
import { DockerApiError, type ContainerCreateBody, type ContainerInspect, type DockerApi } from './docker-api.js';
import { containerName, TASK_LABEL } from './docker-options.js';

/** The task's container, by its name or, failing that, by its label. */
export async function findTaskContainer(api: DockerApi, taskId: string): Promise<ContainerInspect | null> {
  const byName = await api.inspectContainer(containerName(taskId));
  if (byName && byName.Config.Labels?.[TASK_LABEL] === taskId) return byName;
  const [summary] = await api.listContainersByLabel(`${TASK_LABEL}=${taskId}`);
  return summary ? api.inspectContainer(summary.Id) : null;
}

/** A label of the task's container; undefined without a container or the label. */
export async function taskLabel(api: DockerApi, taskId: string, label: string): Promise<string | undefined> {
  return (await findTaskContainer(api, taskId))?.Config.Labels?.[label];
}

/**
 * Removes the task's containers: the known one, else the one holding its name if it is the task's,
 * else any labelled for it.
 */
export async function removeTaskContainers(api: DockerApi, taskId: string, known?: string): Promise<void> {
  if (known) {
    await api.removeContainer(known);
    return;
  }
  const byName = await api.inspectContainer(containerName(taskId));
  if (byName && byName.Config.Labels?.[TASK_LABEL] === taskId) {
    await api.removeContainer(byName.Id);
    return;
  }
  for (const summary of await api.listContainersByLabel(`${TASK_LABEL}=${taskId}`))
    await api.removeContainer(summary.Id);
}

/** A container name already in use (by an earlier create of the same task, or by a stranger). */
export class NameTaken extends Error {
  constructor(name: string) {
    super(`the container name ${name} is taken`);
  }
}

/** Creates a container; NameTaken when the name is taken, an error naming `who` when the image is missing. */
export async function createNamedContainer(
  api: DockerApi,
  name: string,
  body: ContainerCreateBody,
  image: string,
  who: string,
): Promise<string> {
  try {
    const id = await api.createContainer(name, body);
    if (id === null) throw new NameTaken(name);
    return id;
  } catch (error) {
    if (error instanceof DockerApiError && error.statusCode === 404) {
      throw new Error(`${who}: image ${image} not found locally; build or pull it first (Caravan never pulls images)`, {
        cause: error,
      });
    }
    throw error;
  }
}
