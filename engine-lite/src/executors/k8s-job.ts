/**
 * The Kubernetes objects of one task: a Secret holding the task context, and a Job whose pod
 * copies the agent into a shared emptyDir from an init container running the agent image
 * (`caravan/agent:<version>`, FROM scratch: its own entry copies the folder, as Tekton's does), then
 * runs the action's image with `caravan-agent run --context /caravan/context.json -- <command>`.
 * The Job is created suspended; start resumes it.
 */
import type {
  V1ConfigMap,
  V1Job,
  V1Secret,
  V1Volume,
  V1VolumeMount,
  V1ResourceRequirements,
} from '@kubernetes/client-node';
import type { ActionFiles } from './k8s-action-files.js';
import type { TaskSpec } from './types.js';
import {
  CONTAINER_ACTION_DIR,
  CONTAINER_AGENT_DIR,
  CONTAINER_CONTEXT_FILE,
  CONTAINER_WORKSPACE,
  agentCommand,
  containerContext,
  imageNode,
  type PathMapping,
} from './docker-context.js';
import {
  RUN_LABEL,
  STEP_LABEL,
  TASK_ID_ANNOTATION,
  TASK_LABEL,
  actionConfigMapName,
  contextSecretName,
  jobName,
  labelValue,
} from './k8s-names.js';

/** Where the agent image (`npm run build:image`) keeps the portable folder. */
export const DEFAULT_AGENT_IMAGE_DIR = '/caravan';
/** Where the init container mounts the shared volume it fills (outside the image's /caravan). */
export const AGENT_VOLUME_INIT_MOUNT = '/mnt/caravan-agent';
export const ACTION_CONTAINER = 'action';
export const AGENT_INIT_CONTAINER = 'caravan-agent-init';
const CONTEXT_KEY = 'context.json';

export interface K8sJobOptions {
  namespace: string;
  /** Image holding the portable agent folder at `agentImageDir`; default `caravan/agent:<version>`. */
  agentImage: string;
  /** Where the agent image keeps the portable folder, whose entry copies it; default `/caravan`. */
  agentImageDir?: string;
  /** Image used when a task names none. */
  defaultImage?: string;
  /** Workspace volume: a PVC (mounted at sub-path `<runId>`, shared by a run's steps); default an emptyDir. */
  workspaceClaim?: string;
  /** Volume holding the action's files, mounted read-only at /caravan/action; default a ConfigMap of them. */
  actionVolume?: V1Volume;
  /** Replaces the callback URL's host: pods cannot reach the engine's loopback address. */
  callbackHost?: string;
  /** Seconds a finished Job is kept before Kubernetes deletes it; default 3600. */
  ttlSecondsAfterFinished?: number;
  /** Deadline when the task has no timeout; default none. */
  defaultDeadlineSeconds?: number;
  serviceAccountName?: string;
  resources?: V1ResourceRequirements;
  imagePullSecrets?: string[];
  /** Replaces a host Node binary at the head of a command (`runs: node`); default `node`. */
  nodeCommand?: string;
}

export interface TaskObjects {
  job: V1Job;
  secret: V1Secret;
  /** The action's files, when they travel in a ConfigMap (no actionVolume). */
  configMap?: V1ConfigMap;
}

function mappings(task: TaskSpec): PathMapping[] {
  return [
    { host: task.workspace, container: CONTAINER_WORKSPACE },
    { host: task.actionDir, container: CONTAINER_ACTION_DIR },
  ].sort((a, b) => b.host.length - a.host.length);
}

export function taskLabels(task: Pick<TaskSpec, 'taskId' | 'runId' | 'stepId'>): Record<string, string> {
  return {
    [TASK_LABEL]: labelValue(task.taskId),
    [RUN_LABEL]: labelValue(task.runId),
    [STEP_LABEL]: labelValue(task.stepId),
    'app.kubernetes.io/managed-by': 'caravan',
  };
}

export function buildTaskObjects(task: TaskSpec, options: K8sJobOptions, actionFiles?: ActionFiles): TaskObjects {
  const image = task.image ?? options.defaultImage;
  if (!image)
    throw new Error(`task ${task.taskId}: the k8s executor needs an image; set \`image\` on the step or the action`);
  const labels = taskLabels(task);
  const annotations = { [TASK_ID_ANNOTATION]: task.taskId };
  const name = jobName(task.taskId);
  const secretName = contextSecretName(task.taskId);
  const context = containerContext(task.context, mappings(task), options.callbackHost);

  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace: options.namespace, labels, annotations },
    type: 'Opaque',
    stringData: { [CONTEXT_KEY]: JSON.stringify(context) },
  };

  const volumes: V1Volume[] = [
    { name: 'caravan-agent', emptyDir: {} },
    { name: 'caravan-context', secret: { secretName, defaultMode: 0o400 } },
    options.workspaceClaim
      ? { name: 'workspace', persistentVolumeClaim: { claimName: options.workspaceClaim } }
      : { name: 'workspace', emptyDir: {} },
  ];
  const mounts: V1VolumeMount[] = [
    { name: 'caravan-agent', mountPath: CONTAINER_AGENT_DIR, readOnly: true },
    { name: 'caravan-context', mountPath: CONTAINER_CONTEXT_FILE, subPath: CONTEXT_KEY, readOnly: true },
    {
      name: 'workspace',
      mountPath: CONTAINER_WORKSPACE,
      ...(options.workspaceClaim ? { subPath: labelValue(task.runId) } : {}),
    },
  ];
  let configMap: V1ConfigMap | undefined;
  if (options.actionVolume) {
    volumes.push({ ...options.actionVolume, name: 'caravan-action' });
  } else if (actionFiles) {
    const configMapName = actionConfigMapName(task.taskId);
    configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMapName, namespace: options.namespace, labels, annotations },
      binaryData: actionFiles.binaryData,
    };
    volumes.push({ name: 'caravan-action', configMap: { name: configMapName, items: actionFiles.items } });
  }
  if (options.actionVolume || configMap)
    mounts.push({ name: 'caravan-action', mountPath: CONTAINER_ACTION_DIR, readOnly: true });

  const timeout = task.context.timeoutSeconds;
  // The agent enforces the timeout itself and needs its grace to report; the deadline is the backstop.
  const deadline = timeout ? timeout + (task.context.graceSeconds ?? 10) + 30 : options.defaultDeadlineSeconds;
  const agentImageDir = options.agentImageDir ?? DEFAULT_AGENT_IMAGE_DIR;

  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: options.namespace, labels, annotations },
    spec: {
      suspend: true,
      backoffLimit: 0,
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished ?? 3600,
      ...(deadline ? { activeDeadlineSeconds: deadline } : {}),
      template: {
        metadata: { labels, annotations },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          ...(options.serviceAccountName ? { serviceAccountName: options.serviceAccountName } : {}),
          ...(options.imagePullSecrets?.length
            ? { imagePullSecrets: options.imagePullSecrets.map((n) => ({ name: n })) }
            : {}),
          initContainers: [
            {
              name: AGENT_INIT_CONTAINER,
              image: options.agentImage,
              // the image has no shell and no cp: the agent's static entry copies its own folder
              command: [`${agentImageDir}/caravan-agent`, '--copy-to', AGENT_VOLUME_INIT_MOUNT],
              volumeMounts: [{ name: 'caravan-agent', mountPath: AGENT_VOLUME_INIT_MOUNT }],
            },
          ],
          containers: [
            {
              name: ACTION_CONTAINER,
              image,
              command: agentCommand(imageNode(task.command, options.nodeCommand), mappings(task)),
              workingDir: CONTAINER_WORKSPACE,
              volumeMounts: mounts,
              ...(options.resources ? { resources: options.resources } : {}),
            },
          ],
          volumes,
        },
      },
    },
  };
  return { job, secret, ...(configMap ? { configMap } : {}) };
}
