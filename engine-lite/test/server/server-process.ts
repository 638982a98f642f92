/** The real `caravan server` process for tests: spawned on a free port, stopped with SIGTERM or SIGKILL. */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(root, 'bin', 'caravan.js');

export { ensureBuilt } from '../../../test/helpers/ensure-built.js';

export function caravanSync(args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync(process.execPath, [bin, ...args], { cwd: root, env, encoding: 'utf8' });
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal) once it ended. */
  exited: Promise<number | string | null>;
}

export async function startServer(data: string, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bin, 'server', '--port', '0', '--data', data, ...extra], {
    cwd: root,
    env: { ...env, CARAVAN_HOME: data },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | string | null>((r) => child.on('exit', (code, signal) => r(code ?? signal)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 30 s:\n${out}`)), 30_000);
    const look = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening:\n${out}`));
    });
  });
  return { url, child, output: () => out, exited };
}

export interface ApiStep {
  id: string;
  status: string;
  attempt: number;
}

export interface ApiListed {
  id: string;
  runId: string;
  state: string;
  position?: number;
  reason?: string;
}

/** The fields tests read of the API's JSON answers (each answer has some of them). */
export interface ApiBody {
  error: { code: string; message: string; hint: string; problems?: string[] };
  id: string;
  status: string;
  startedAt: number;
  endedAt: number;
  steps: ApiStep[];
  runs: ApiListed[];
  labels: Record<string, string>;
  pipelines: Array<{ name: string; revision: number }>;
}

export interface Answer {
  status: number;
  body: ApiBody;
  /** The raw text (Server-Sent Events). */
  text: string;
}

/** A small API client with a bearer token. */
export function client(base: () => string, token: string) {
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json = {} as ApiBody;
    try {
      json = JSON.parse(text) as ApiBody;
    } catch {
      // not JSON: an event stream
    }
    return { status: res.status, body: json, text };
  };
  return {
    call,
    /** Polls the run until it has ended. */
    async waitEnd(id: string, timeoutMs = 60_000): Promise<ApiBody> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const r = await call('GET', `/v1/runs/${id}`);
        if (['success', 'failed', 'cancelled'].includes(r.body.status)) return r.body;
        if (Date.now() > until) throw new Error(`run ${id} did not end: ${JSON.stringify(r.body)}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    },
    /** Polls until `pred` holds of the run. */
    async waitFor(id: string, pred: (run: ApiBody) => boolean, timeoutMs = 30_000): Promise<ApiBody> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const r = await call('GET', `/v1/runs/${id}`);
        if (r.status === 200 && pred(r.body)) return r.body;
        if (Date.now() > until) throw new Error(`run ${id}: condition not met: ${JSON.stringify(r.body)}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    },
  };
}
