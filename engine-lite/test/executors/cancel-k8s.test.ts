/** `caravan cancel` of a run whose engine is dead, with a task on the k8s executor (HTTP stand-in). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { cancelRun } from '../../src/cancel-run.js';
import { createK8sExecutor } from '../../src/executors/k8s.js';
import { contextSecretName, jobName } from '../../src/executors/k8s-names.js';
import { ExecutorRegistry } from '../../src/executors/registry.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import { startK8sStandIn } from '../helpers/k8s-api-standin.js';
import { makePipeline } from '../helpers/pipeline.js';

const scratch = mkdtempSync(join(tmpdir(), 'caravan-k8s-cancel-'));
const store = new SqliteEngineStore(join(scratch, 'engine.db'));
afterAll(async () => {
  await store.close();
  rmSync(scratch, { recursive: true, force: true });
});

function kubeConfig(server: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'standin', server, skipTLSVerify: true }],
    users: [{ name: 'ci', token: 'cluster-token-123' }],
    contexts: [{ name: 'ci', cluster: 'standin', user: 'ci', namespace: 'caravan-ci' }],
    currentContext: 'ci',
  });
  return config;
}

describe('caravan cancel of a run with no live engine (k8s executor, stand-in)', () => {
  it('deletes the Job and its Secret, and ends the run', async () => {
    const api = await startK8sStandIn();
    try {
      const options = { kubeConfig: kubeConfig(api.url), agentImage: 'caravan/agent:test' };
      const taskId = 'k8scancel.deploy.1';
      const dead = createK8sExecutor(options);
      await dead.create({
        taskId,
        runId: 'k8scancel',
        stepId: 'deploy',
        attempt: 1,
        command: ['/bin/sh', '-c', 'sleep 60'],
        image: 'busybox',
        workspace: join(scratch, 'ws'),
        actionDir: scratch,
        context: {
          taskId,
          runId: 'k8scancel',
          stepId: 'deploy',
          secrets: {},
          params: {},
          env: {},
          watch: [],
          files: [],
        },
      });
      await dead.start(taskId);
      const job = jobName(taskId);
      api.runPod(job);
      expect((await dead.status(taskId)).phase).toBe('running');
      await store.createRun(
        {
          id: 'k8scancel',
          pipelineName: 'p',
          file: 'p.yml',
          source: '',
          pipeline: makePipeline([{ id: 'deploy' }]),
          params: {},
          actions: {},
          secretNames: [],
          executor: 'k8s',
          concurrency: 1,
          status: 'running',
          cancelRequested: false,
          enginePid: 999_999_99,
          createdAt: 1,
        },
        [
          {
            runId: 'k8scancel',
            stepId: 'deploy',
            status: 'running',
            attempt: 1,
            taskId,
            executor: 'k8s',
            outputs: {},
            order: 0,
          },
        ],
      );
      const executors = new ExecutorRegistry().add(createK8sExecutor(options));
      const r = await cancelRun(store, 'k8scancel', {}, { executors, stopWaitMs: 200 });
      expect(r.message).toMatch(/cancelled \(no engine was driving it\)/);
      expect((await store.getSteps('k8scancel'))[0]?.status).toBe('cancelled');
      const deletes = api.requests.filter((q) => q.method === 'DELETE').map((q) => q.path);
      expect(deletes.some((p) => p.endsWith(`/jobs/${job}`))).toBe(true);
      expect(deletes.some((p) => p.endsWith(`/secrets/${contextSecretName(taskId)}`))).toBe(true);
      expect(api.jobs.has(job)).toBe(false);
    } finally {
      await api.close();
    }
  });
});
