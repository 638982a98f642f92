/**
 * The k8s executor against an HTTP stand-in of the Kubernetes Jobs/Pods/Secrets API (no API
 * server can run on these machines): the manifests sent, the status mapping and idempotency.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_VERSION } from '@caravan/agent';
import { KubeConfig, type V1ConfigMap, type V1Job, type V1Secret } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createK8sExecutor, type K8sExecutor } from '../../src/executors/k8s.js';
import { actionConfigMapName, contextSecretName, jobName } from '../../src/executors/k8s-names.js';
import type { TaskSpec } from '../../src/executors/types.js';
import { AttemptTask } from '../../src/attempt-task.js';
import type { LogBatch } from '@caravan/spec';
import { report } from '../helpers/controlled-executor.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startK8sStandIn, type K8sStandIn } from '../helpers/k8s-api-standin.js';

const SECRET = 'pg-password-0d9f8e7c';
const scratch = mkdtempSync(join(tmpdir(), 'caravan-k8s-test-'));
const actionDir = join(scratch, 'actions/deploy');
mkdirSync(join(actionDir, 'lib'), { recursive: true });
writeFileSync(join(actionDir, 'index.mjs'), "import './lib/io.mjs';\n");
writeFileSync(join(actionDir, 'lib/io.mjs'), 'export {};\n');
writeFileSync(join(actionDir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });

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

function task(id: string, extra: Partial<TaskSpec> = {}): TaskSpec {
  return {
    taskId: id,
    runId: 'run-42',
    stepId: 'deploy',
    attempt: 1,
    command: [process.execPath, join(actionDir, 'index.mjs')],
    image: 'registry.example.com/node:20',
    workspace: '/srv/caravan/runs/run-42/deploy',
    actionDir,
    context: {
      taskId: id,
      runId: 'run-42',
      stepId: 'deploy',
      secrets: { DB_PASSWORD: SECRET },
      params: { target: 'staging' },
      env: { CARAVAN_WORKSPACE: '/srv/caravan/runs/run-42/deploy' },
      watch: [],
      files: [],
      timeoutSeconds: 600,
      graceSeconds: 10,
      workdir: '/srv/caravan/runs/run-42/deploy',
      callback: { url: `http://127.0.0.1:7070/api/tasks/${id}`, token: 'task-token' },
    },
    ...extra,
  };
}

let api: K8sStandIn;
let executor: K8sExecutor;

beforeAll(async () => {
  api = await startK8sStandIn();
});
afterAll(async () => {
  await api.close();
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(() => {
  api.requests.length = 0;
  executor = createK8sExecutor({
    kubeConfig: kubeConfig(api.url),
    agentImage: 'caravan/agent:0.1.0',
    callbackHost: 'caravan-engine.ci.svc',
  });
});

describe('k8s executor (HTTP stand-in of the Kubernetes API)', () => {
  it('creates a context Secret and a suspended Job with the agent injected by an init container', async () => {
    await executor.create(task('t-create'));
    const name = jobName('t-create');
    expect(executor.namespace).toBe('caravan-ci');
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/namespaces/caravan-ci/secrets',
      'POST /api/v1/namespaces/caravan-ci/configmaps',
      'POST /apis/batch/v1/namespaces/caravan-ci/jobs',
    ]);
    expect(api.requests.every((r) => r.authorization === 'Bearer cluster-token-123')).toBe(true);

    const secret = api.requests[0]?.body as V1Secret;
    expect(secret.metadata?.name).toBe(contextSecretName('t-create'));
    const context = JSON.parse(secret.stringData?.['context.json'] ?? '{}') as {
      secrets: Record<string, string>;
      workdir: string;
      callback: { url: string };
      env: Record<string, string>;
    };
    expect(context.secrets.DB_PASSWORD).toBe(SECRET);
    expect(context.workdir).toBe('/workspace');
    expect(context.env.CARAVAN_WORKSPACE).toBe('/workspace');
    expect(context.callback.url).toBe('http://caravan-engine.ci.svc:7070/api/tasks/t-create');

    const configMap = api.requests[1]?.body as V1ConfigMap;
    expect(configMap.metadata?.name).toBe(actionConfigMapName('t-create'));
    expect(Object.values(configMap.binaryData ?? {}).map((b64) => Buffer.from(b64, 'base64').toString())).toEqual([
      "import './lib/io.mjs';\n",
      'export {};\n',
      '#!/bin/sh\n',
    ]);

    const job = api.requests[2]?.body as V1Job;
    expect(JSON.stringify(job)).not.toContain(SECRET);
    expect(JSON.stringify(job)).not.toContain('task-token');
    expect(job.metadata?.name).toBe(name);
    expect(job.metadata?.labels).toMatchObject({ 'caravan.task': 't-create', 'caravan.run': 'run-42' });
    expect(job.spec).toMatchObject({
      suspend: true,
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      activeDeadlineSeconds: 640,
    });
    const pod = job.spec?.template.spec;
    expect(pod?.restartPolicy).toBe('Never');
    expect(job.spec?.template.metadata?.labels).toMatchObject({ 'caravan.task': 't-create' });
    expect(pod?.initContainers).toEqual([
      {
        name: 'caravan-agent-init',
        image: 'caravan/agent:0.1.0',
        command: ['/caravan/caravan-agent', '--copy-to', '/mnt/caravan-agent'],
        volumeMounts: [{ name: 'caravan-agent', mountPath: '/mnt/caravan-agent' }],
      },
    ]);
    const main = pod?.containers[0];
    expect(main?.image).toBe('registry.example.com/node:20');
    expect(main?.command).toEqual([
      '/caravan/agent/caravan-agent',
      'run',
      '--context',
      '/caravan/context.json',
      '--',
      'node',
      '/caravan/action/index.mjs',
    ]);
    expect(main?.env).toBeUndefined();
    expect(main?.workingDir).toBe('/workspace');
    expect(main?.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'caravan-agent', mountPath: '/caravan/agent', readOnly: true },
        { name: 'caravan-context', mountPath: '/caravan/context.json', subPath: 'context.json', readOnly: true },
        { name: 'workspace', mountPath: '/workspace' },
      ]),
    );
    expect(pod?.volumes).toEqual(
      expect.arrayContaining([
        { name: 'caravan-agent', emptyDir: {} },
        { name: 'caravan-context', secret: { secretName: contextSecretName('t-create'), defaultMode: 0o400 } },
        { name: 'workspace', emptyDir: {} },
        {
          name: 'caravan-action',
          configMap: {
            name: actionConfigMapName('t-create'),
            items: [
              { key: 'f0', path: 'index.mjs', mode: 0o444 },
              { key: 'f1', path: 'lib/io.mjs', mode: 0o444 },
              { key: 'f2', path: 'run.sh', mode: 0o555 },
            ],
          },
        },
      ]),
    );
    expect(main?.volumeMounts).toContainEqual({ name: 'caravan-action', mountPath: '/caravan/action', readOnly: true });
  });

  it('is idempotent: a second create leaves one Job and one Secret', async () => {
    await executor.create(task('t-twice'));
    await executor.create(task('t-twice'));
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(6);
    expect([...api.jobs.keys()].filter((n) => n === jobName('t-twice'))).toHaveLength(1);
    expect([...api.secrets.keys()].filter((n) => n === contextSecretName('t-twice'))).toHaveLength(1);
  });

  it('walks a task from created to pending to running to exited, resuming the Job once', async () => {
    const name = jobName('t-life');
    await executor.create(task('t-life'));
    expect(await executor.status('t-life')).toEqual({ phase: 'created' });
    await executor.start('t-life');
    const patch = api.requests.find((r) => r.method === 'PATCH');
    expect(patch?.contentType).toBe('application/merge-patch+json');
    expect(patch?.body).toEqual({ spec: { suspend: false } });
    expect((await executor.status('t-life')).phase).toBe('pending');
    api.runPod(name);
    expect(await executor.status('t-life')).toEqual({ phase: 'running' });
    await executor.start('t-life');
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    api.finish(name, 0);
    expect(await executor.status('t-life')).toEqual({ phase: 'exited', exitCode: 0 });
  });

  it("reports the action container's exit code when the Job fails", async () => {
    await executor.create(task('t-fail'));
    await executor.start('t-fail');
    api.runPod(jobName('t-fail'));
    api.finish(jobName('t-fail'), 3);
    expect(await executor.status('t-fail')).toEqual({
      phase: 'exited',
      exitCode: 3,
      message: 'the container exited with code 3',
    });
  });

  it("says in the step's log that spooled lines are lost when the report did not reach the engine", async () => {
    const logs: string[] = [];
    const errors: string[] = [];
    const intake = {
      logs: async (_g: unknown, batch: LogBatch) => logs.push(...batch.entries.map((e) => e.text)) > 0,
      events: async () => undefined,
      file: async () => undefined,
      report: async () => undefined,
    };
    const deps = { clock: new FakeClock(), graceSeconds: 1, guardSlackSeconds: 1, statusPollMs: 10, intake };
    const attempt = (reported: boolean) =>
      new AttemptTask(
        { ...deps, takeReport: () => (reported ? report('success') : undefined) },
        executor,
        't-spool',
        async (op, _id, err) => void errors.push(`${op}: ${(err as Error).message}`),
        undefined,
        { runId: 'run-42', stepId: 'deploy' },
      );
    await executor.create(task('t-spool'));
    await executor.start('t-spool');
    api.runPod(jobName('t-spool'));
    api.finish(jobName('t-spool'), 0);
    const state = await executor.status('t-spool');
    // The report came through the callback: the agent had delivered everything it spooled.
    await attempt(true).result(state);
    expect(logs).toEqual([]);
    expect((await attempt(false).result(state)).status).toBe('success');
    expect(logs).toEqual([
      'caravan: no file comes back from a Kubernetes pod: log lines the agent spooled while the engine was unreachable are lost (how many is not known)',
    ]);
    expect(errors).toEqual([expect.stringMatching(/^spool: no file comes back/)]);
  });

  it('explains a Job killed by its deadline', async () => {
    const name = jobName('t-deadline');
    await executor.create(task('t-deadline'));
    await executor.start('t-deadline');
    api.pods.delete(name);
    const job = api.jobs.get(name);
    if (job)
      job.status = {
        failed: 1,
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
          },
        ],
      };
    const state = await executor.status('t-deadline');
    expect(state.phase).toBe('exited');
    expect(state.exitCode).not.toBe(0);
    expect(state.message).toMatch(/activeDeadlineSeconds/);
  });

  it('says why a pod is stuck on its image', async () => {
    await executor.create(task('t-pull'));
    await executor.start('t-pull');
    api.failPull(jobName('t-pull'), 'registry.example.com/node:20');
    const state = await executor.status('t-pull');
    expect(state.phase).toBe('pending');
    expect(state.message).toMatch(/ImagePullBackOff.*registry.example.com\/node:20/);
  });

  it('cancels by deleting the Job in the foreground, idempotently', async () => {
    await executor.create(task('t-cancel'));
    await executor.start('t-cancel');
    api.runPod(jobName('t-cancel'));
    await executor.cancel('t-cancel');
    const deletion = api.requests.find((r) => r.method === 'DELETE');
    expect(deletion?.path).toBe(`/apis/batch/v1/namespaces/caravan-ci/jobs/${jobName('t-cancel')}`);
    expect(
      deletion?.query.get('propagationPolicy') ??
        (deletion?.body as { propagationPolicy?: string } | undefined)?.propagationPolicy,
    ).toBe('Foreground');
    expect((await executor.status('t-cancel')).phase).toBe('gone');
    await executor.cancel('t-cancel');
    await executor.cancel('never-created');
  });

  it('removes the Job and the Secret, and a second remove is fine', async () => {
    await executor.create(task('t-remove'));
    await executor.remove('t-remove');
    expect(api.jobs.has(jobName('t-remove'))).toBe(false);
    expect(api.secrets.has(contextSecretName('t-remove'))).toBe(false);
    expect(api.configMaps.has(actionConfigMapName('t-remove'))).toBe(false);
    await executor.remove('t-remove');
    expect((await executor.status('t-remove')).phase).toBe('gone');
  });

  it('mounts a workspace claim per run when configured', async () => {
    const withClaim = createK8sExecutor({
      kubeConfig: kubeConfig(api.url),
      namespace: 'builds',
      workspaceClaim: 'caravan-workspaces',
    });
    await withClaim.create(task('t-claim'));
    const job = api.requests.find((r) => r.path.endsWith('/jobs'))?.body as V1Job;
    expect(api.requests[0]?.path).toBe('/api/v1/namespaces/builds/secrets');
    expect(job.spec?.template.spec?.volumes).toContainEqual({
      name: 'workspace',
      persistentVolumeClaim: { claimName: 'caravan-workspaces' },
    });
    expect(job.spec?.template.spec?.containers[0]?.volumeMounts).toContainEqual({
      name: 'workspace',
      mountPath: '/workspace',
      subPath: 'run-42',
    });
    expect(job.spec?.template.spec?.initContainers?.[0]?.image).toBe(`caravan/agent:${AGENT_VERSION}`);
  });

  it('turns any task id into valid names and labels', async () => {
    const odd = 'Run 42/Step:Build ü'.repeat(5);
    await executor.create(task(odd, { runId: 'run with spaces' }));
    const job = api.requests.find((r) => r.path.endsWith('/jobs'))?.body as V1Job;
    expect(job.metadata?.name).toMatch(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
    for (const value of Object.values(job.metadata?.labels ?? {}))
      expect(value).toMatch(/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/);
    expect(job.metadata?.annotations?.['caravan.dev/task-id']).toBe(odd);
  });

  it('uses a given action volume instead of a ConfigMap, and refuses an action folder too big for one', async () => {
    const withVolume = createK8sExecutor({
      kubeConfig: kubeConfig(api.url),
      actionVolume: { name: 'x', persistentVolumeClaim: { claimName: 'actions' } },
    });
    await withVolume.create(task('t-volume', { actionDir: '/not/on/this/host' }));
    expect(api.requests.some((r) => r.path.endsWith('/configmaps'))).toBe(false);
    const job = api.requests.find((r) => r.path.endsWith('/jobs'))?.body as V1Job;
    expect(job.spec?.template.spec?.volumes).toContainEqual({
      name: 'caravan-action',
      persistentVolumeClaim: { claimName: 'actions' },
    });

    const big = join(scratch, 'big-action');
    mkdirSync(big, { recursive: true });
    writeFileSync(join(big, 'blob.bin'), Buffer.alloc(1024 * 1024));
    await expect(executor.create(task('t-big', { actionDir: big }))).rejects.toThrow(
      /too much for a ConfigMap: give the k8s executor an actionVolume/,
    );
    await expect(executor.create(task('t-nodir', { actionDir: join(scratch, 'missing') }))).rejects.toThrow(
      /action folder .*missing does not exist/,
    );
    expect(api.jobs.has(jobName('t-big'))).toBe(false);
  });

  it('refuses bad input with clear errors', async () => {
    await expect(executor.start('not-created')).rejects.toThrow(
      /no Job caravan-not-created-[0-9a-f]+ in namespace caravan-ci; call create first/,
    );
    await expect(executor.create(task('t-noimage', { image: undefined }))).rejects.toThrow(/needs an image/);
  });

  it('names the problem when the API server cannot be reached', async () => {
    const unreachable = createK8sExecutor({ kubeConfig: kubeConfig('http://127.0.0.1:9') });
    await expect(unreachable.status('t1')).rejects.toThrow(/cannot reach the Kubernetes API.*KUBECONFIG/);
  });

  it('passes API errors on with their message', async () => {
    const ghost = createK8sExecutor({ kubeConfig: kubeConfig(`${api.url}/not-an-api`) });
    await expect(ghost.create(task('t-ghost'))).rejects.toThrow(
      /Kubernetes API error 404: the stand-in does not serve POST/,
    );
  });
});
