/**
 * An HTTP stand-in for the few Kubernetes API endpoints the k8s executor calls (no API server can
 * run on these machines). It keeps Jobs, Secrets and pods in memory, records every request, and
 * lets a test drive a Job through its life: resumed → pod running → finished.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

export interface RecordedK8sRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  authorization: string | undefined;
  body: Json | undefined;
}

export interface K8sStandIn {
  url: string;
  requests: RecordedK8sRequest[];
  jobs: Map<string, Json>;
  secrets: Map<string, Json>;
  configMaps: Map<string, Json>;
  /** Pods by Job name. */
  pods: Map<string, Json>;
  /** Simulates the kubelet: the pod runs (the init container has copied the agent). */
  runPod(job: string): void;
  /** Simulates the action container ending and the Job controller's verdict. */
  finish(job: string, exitCode: number, options?: { reason?: string }): void;
  /** Makes the pod wait on an image that cannot be pulled. */
  failPull(job: string, image: string): void;
  close(): Promise<void>;
}

function status(code: number, reason: string, message: string): Json {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
}

export async function startK8sStandIn(): Promise<K8sStandIn> {
  const requests: RecordedK8sRequest[] = [];
  const jobs = new Map<string, Json>();
  const secrets = new Map<string, Json>();
  const configMaps = new Map<string, Json>();
  const pods = new Map<string, Json>();
  let resourceVersion = 1;

  const send = (res: ServerResponse, code: number, body: Json): void => {
    res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://standin');
    let body: Json | undefined;
    try {
      body = raw ? (JSON.parse(raw) as Json) : undefined;
    } catch {
      return send(res, 400, status(400, 'BadRequest', 'body is not JSON'));
    }
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
      body,
    });
    const jobPath = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(url.pathname);
    const secretPath = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(url.pathname);
    const configMapPath = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps(?:\/([^/]+))?$/.exec(url.pathname);
    const podPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    const store = jobPath ? jobs : secretPath ? secrets : configMapPath ? configMaps : undefined;
    const match = jobPath ?? secretPath ?? configMapPath;
    if (store && match) {
      const name = match[2];
      const kind = jobPath ? 'jobs' : secretPath ? 'secrets' : 'configmaps';
      if (req.method === 'POST' && !name) {
        const metadata = (body?.metadata ?? {}) as Json;
        const objectName = String(metadata.name ?? '');
        if (store.has(objectName))
          return send(res, 409, status(409, 'AlreadyExists', `${kind} "${objectName}" already exists`));
        const stored = {
          ...body,
          metadata: { ...metadata, uid: `uid-${resourceVersion}`, resourceVersion: String(resourceVersion++) },
          status: {},
        };
        store.set(objectName, stored);
        return send(res, 201, stored);
      }
      const existing = name ? store.get(name) : undefined;
      if (!name || !existing) return send(res, 404, status(404, 'NotFound', `${kind} "${name ?? ''}" not found`));
      if (req.method === 'GET') return send(res, 200, existing);
      if (req.method === 'PATCH') {
        if (req.headers['content-type'] !== 'application/merge-patch+json') {
          return send(
            res,
            415,
            status(415, 'UnsupportedMediaType', `unexpected patch type ${req.headers['content-type'] ?? ''}`),
          );
        }
        const spec = { ...((existing.spec ?? {}) as Json), ...((body?.spec ?? {}) as Json) };
        const patched: Json = { ...existing, spec };
        store.set(name, patched);
        if (jobPath && spec.suspend === false && !pods.has(name)) {
          pods.set(name, {
            metadata: {
              name: `${name}-abcde`,
              labels: { 'job-name': name },
              creationTimestamp: new Date().toISOString(),
            },
            status: { phase: 'Pending' },
          });
          patched.status = { active: 1 };
        }
        return send(res, 200, patched);
      }
      if (req.method === 'DELETE') {
        store.delete(name);
        if (jobPath) pods.delete(name);
        return send(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', code: 200 });
      }
    }
    if (podPath && req.method === 'GET') {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const jobName = /^job-name=(.+)$/.exec(selector)?.[1];
      const items = jobName && pods.has(jobName) ? [pods.get(jobName)] : [];
      return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
    }
    return send(res, 404, status(404, 'NotFound', `the stand-in does not serve ${req.method ?? ''} ${url.pathname}`));
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const podOf = (job: string): Json => {
    const pod = pods.get(job);
    if (!pod) throw new Error(`stand-in: job ${job} has no pod (was it started?)`);
    return pod;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    jobs,
    secrets,
    configMaps,
    pods,
    runPod(job) {
      const pod = podOf(job);
      pod.status = {
        phase: 'Running',
        initContainerStatuses: [
          {
            name: 'caravan-agent-init',
            image: 'agent',
            imageID: '',
            ready: true,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } },
          },
        ],
        containerStatuses: [
          {
            name: 'action',
            image: 'img',
            imageID: '',
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: new Date().toISOString() } },
          },
        ],
      };
    },
    finish(job, exitCode, options = {}) {
      const pod = podOf(job);
      pod.status = {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        containerStatuses: [
          {
            name: 'action',
            image: 'img',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } },
          },
        ],
      };
      const stored = jobs.get(job);
      if (!stored) throw new Error(`stand-in: no job ${job}`);
      const type = exitCode === 0 ? 'Complete' : 'Failed';
      stored.status = {
        ...(exitCode === 0 ? { succeeded: 1 } : { failed: 1 }),
        conditions: [
          {
            type,
            status: 'True',
            reason: options.reason ?? (exitCode === 0 ? 'Completed' : 'BackoffLimitExceeded'),
            lastTransitionTime: new Date().toISOString(),
          },
        ],
      };
    },
    failPull(job, image) {
      const pod = podOf(job);
      pod.status = {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'action',
            image,
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } },
          },
        ],
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
