/**
 * The executors every engine has: `process` (the default), `docker`, `k8s` and the in-process
 * `noop`. Container executors are loaded on first use, so a run on processes never loads their
 * client libraries.
 */
import { defaultAgentPath } from './agent-path.js';
import { NoopExecutor } from './noop.js';
import { ProcessExecutor } from './process.js';
import { ExecutorRegistry } from './registry.js';

export interface DefaultExecutorOptions {
  stateDir: string;
  agentPath?: string;
  graceSeconds?: number;
  /** Host name containers and pods use to reach the engine's callback API. */
  callbackHost?: string;
  /** Image for container steps whose action names none (the built-ins need one with `node`). */
  defaultImage?: string;
}

export function defaultExecutors(o: DefaultExecutorOptions): ExecutorRegistry {
  return new ExecutorRegistry()
    .register(
      'process',
      () =>
        new ProcessExecutor({
          stateDir: o.stateDir,
          agentPath: o.agentPath ?? defaultAgentPath(),
          graceSeconds: o.graceSeconds,
        }),
    )
    .register('docker', async () => {
      const { DockerExecutor } = await import('./docker.js');
      return new DockerExecutor({
        graceSeconds: o.graceSeconds,
        ...(o.callbackHost ? { callbackHost: o.callbackHost } : {}),
        ...(o.defaultImage ? { defaultImage: o.defaultImage } : {}),
      });
    })
    .register('k8s', async () => {
      const { K8sExecutor } = await import('./k8s.js');
      return new K8sExecutor({
        ...(o.callbackHost ? { callbackHost: o.callbackHost } : {}),
        ...(o.defaultImage ? { defaultImage: o.defaultImage } : {}),
      });
    })
    .register('noop', () => new NoopExecutor());
}
