/**
 * The `k8s` executor: one Kubernetes Job per task through the official client
 * (@kubernetes/client-node). create = Secret (task context) + ConfigMap (the action's files,
 * unless an actionVolume holds them) + suspended Job; start = resume the
 * Job; status = the Job's conditions and its pod; cancel = delete the Job (Foreground); remove =
 * delete the Job, the Secret and the action's ConfigMap. Every call is idempotent: AlreadyExists and NotFound are fine.
 */
import { AGENT_VERSION } from '@caravan/agent';
import {
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Volume,
  type V1ResourceRequirements,
} from '@kubernetes/client-node';
import type { ActionExecutor, SpoolSource, TaskSpec, TaskState } from './types.js';
import { buildTaskObjects } from './k8s-job.js';
import { readActionFiles } from './k8s-action-files.js';
import { actionConfigMapName, contextSecretName, jobName } from './k8s-names.js';
import { taskStateFromJob } from './k8s-status.js';

export interface K8sExecutorOptions {
  /** Default: loaded from KUBECONFIG / ~/.kube/config, or the in-cluster service account. */
  kubeConfig?: KubeConfig;
  /** Default: the current context's namespace, else `default`. */
  namespace?: string;
  /** Image holding the portable agent; default `caravan/agent:<caravan version>`. */
  agentImage?: string;
  agentImageDir?: string;
  defaultImage?: string;
  workspaceClaim?: string;
  actionVolume?: V1Volume;
  /** Host name or address of the engine's callback API as pods reach it. */
  callbackHost?: string;
  ttlSecondsAfterFinished?: number;
  defaultDeadlineSeconds?: number;
  serviceAccountName?: string;
  resources?: V1ResourceRequirements;
  imagePullSecrets?: string[];
  nodeCommand?: string;
  /** The default agent image's tag; default this engine's agent version (`npm run build:image` builds it). */
  version?: string;
}

function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

async function ignoring<T>(codes: number[], call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (codes.includes(statusCode(error) ?? -1)) return undefined;
    throw describe(error);
  }
}

/** The client's errors carry the whole response; keep the status and the API's message only. */
function describe(error: unknown): Error {
  const code = statusCode(error);
  if (code === undefined) {
    const reason = error instanceof Error ? error.message : String(error);
    return new Error(
      `cannot reach the Kubernetes API: ${reason}; check KUBECONFIG (or the in-cluster service account)`,
      { cause: error },
    );
  }
  const body = (error as { body?: unknown }).body;
  let message = typeof body === 'string' ? body : '';
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string } | undefined;
    if (parsed?.message) message = parsed.message;
  } catch {
    // not JSON: keep the raw text
  }
  return new Error(`Kubernetes API error ${code}: ${message.slice(0, 500) || 'no message'}`, { cause: error });
}

export class K8sExecutor implements ActionExecutor {
  readonly kind = 'k8s';
  readonly namespace: string;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly options: K8sExecutorOptions;

  constructor(options: K8sExecutorOptions = {}) {
    this.options = options;
    const config = options.kubeConfig ?? loadDefaultKubeConfig();
    this.namespace = options.namespace ?? config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
    this.batch = config.makeApiClient(BatchV1Api);
    this.core = config.makeApiClient(CoreV1Api);
  }

  async create(task: TaskSpec): Promise<void> {
    const actionFiles = this.options.actionVolume ? undefined : await readActionFiles(task.actionDir);
    const { job, secret, configMap } = buildTaskObjects(
      task,
      {
        ...this.options,
        namespace: this.namespace,
        agentImage: this.options.agentImage ?? `caravan/agent:${this.options.version ?? AGENT_VERSION}`,
      },
      actionFiles,
    );
    await ignoring([409], () => this.core.createNamespacedSecret({ namespace: this.namespace, body: secret }));
    if (configMap)
      await ignoring([409], () => this.core.createNamespacedConfigMap({ namespace: this.namespace, body: configMap }));
    await ignoring([409], () => this.batch.createNamespacedJob({ namespace: this.namespace, body: job }));
  }

  async start(taskId: string): Promise<void> {
    const job = await ignoring([404], () =>
      this.batch.readNamespacedJob({ name: jobName(taskId), namespace: this.namespace }),
    );
    if (!job)
      throw new Error(`task ${taskId}: no Job ${jobName(taskId)} in namespace ${this.namespace}; call create first`);
    if (!job.spec?.suspend) return;
    await ignoring([], () =>
      this.batch.patchNamespacedJob(
        { name: jobName(taskId), namespace: this.namespace, body: { spec: { suspend: false } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  async status(taskId: string): Promise<TaskState> {
    const name = jobName(taskId);
    const job = await ignoring([404], () => this.batch.readNamespacedJob({ name, namespace: this.namespace }));
    if (!job) return taskStateFromJob(null, []);
    const pods = await this.core
      .listNamespacedPod({ namespace: this.namespace, labelSelector: `job-name=${name}` })
      .catch((error: unknown) => {
        throw describe(error);
      });
    return taskStateFromJob(job, pods.items);
  }

  /**
   * Asked only when the agent's report did not reach the engine: the agent may have spooled log
   * lines in its pod while the engine was unreachable, and no file comes back from a pod.
   */
  async takeSpool(): Promise<SpoolSource> {
    return {
      lost: 'no file comes back from a Kubernetes pod: log lines the agent spooled while the engine was unreachable are lost (how many is not known)',
    };
  }

  async cancel(taskId: string): Promise<void> {
    await ignoring([404], () =>
      this.batch.deleteNamespacedJob({
        name: jobName(taskId),
        namespace: this.namespace,
        propagationPolicy: 'Foreground',
      }),
    );
  }

  async remove(taskId: string): Promise<void> {
    await ignoring([404], () =>
      this.batch.deleteNamespacedJob({
        name: jobName(taskId),
        namespace: this.namespace,
        propagationPolicy: 'Background',
      }),
    );
    await ignoring([404], () =>
      this.core.deleteNamespacedSecret({ name: contextSecretName(taskId), namespace: this.namespace }),
    );
    await ignoring([404], () =>
      this.core.deleteNamespacedConfigMap({ name: actionConfigMapName(taskId), namespace: this.namespace }),
    );
  }
}

function loadDefaultKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromDefault();
  if (!config.getCurrentCluster()) {
    throw new Error('no Kubernetes cluster configured: set KUBECONFIG, create ~/.kube/config, or run inside a cluster');
  }
  return config;
}

export function createK8sExecutor(options: K8sExecutorOptions = {}): K8sExecutor {
  return new K8sExecutor(options);
}
