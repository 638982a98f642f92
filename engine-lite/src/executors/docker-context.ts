/**
 * Rewrites a task's host paths to the paths a container sees: the workspace at `/workspace`, the
 * action's files at `/caravan/action`, the outputs file under `/caravan/`. Shared by the docker
 * and k8s executors, which lay out the container the same way.
 */
import { basename, isAbsolute } from 'node:path';
import type { TaskContext } from '@caravan/spec';

export const CONTAINER_WORKSPACE = '/workspace';
export const CONTAINER_ACTION_DIR = '/caravan/action';
export const CONTAINER_AGENT_DIR = '/caravan/agent';
export const CONTAINER_CONTEXT_FILE = '/caravan/context.json';
export const CONTAINER_OUTPUTS_FILE = '/caravan/outputs.env';
export const CONTAINER_AGENT = `${CONTAINER_AGENT_DIR}/caravan-agent`;

export interface PathMapping {
  host: string;
  container: string;
}

export function mapPath(path: string, mappings: PathMapping[]): string {
  for (const { host, container } of mappings) {
    const base = host.replace(/\/+$/, '');
    if (path === base) return container;
    if (path.startsWith(`${base}/`)) return container + path.slice(base.length);
  }
  return path;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Rewrites host paths inside free text (a `run:` script naming `${{ steps.x.files.y }}`, an env
 * value): each mapped folder, where it is followed by `/` or by a character that cannot continue
 * a file name.
 */
export function mapPathsInText(text: string, mappings: PathMapping[]): string {
  let out = text;
  for (const { host, container } of mappings) {
    const base = host.replace(/\/+$/, '');
    if (base === '' || !out.includes(base)) continue;
    out = out.replace(new RegExp(`${escapeRegExp(base)}(?=$|/|[^A-Za-z0-9._-])`, 'g'), container);
  }
  return out;
}

function mapParams(value: unknown, mappings: PathMapping[]): unknown {
  if (typeof value === 'string') return mapPathsInText(value, mappings);
  if (Array.isArray(value)) return value.map((item) => mapParams(item, mappings));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapParams(item, mappings)]));
  }
  return value;
}

/** The engine's own Node binary (`runs: node` actions) does not exist in an image: use the image's `node`. */
export function imageNode(command: string[], nodeCommand = 'node'): string[] {
  const [head, ...rest] = command;
  if (head && isAbsolute(head) && (head === process.execPath || basename(head) === 'node'))
    return [nodeCommand, ...rest];
  return command;
}

/** The agent's command line inside the container. */
export function agentCommand(
  command: string[],
  mappings: PathMapping[],
  reportFile?: string,
  agent = CONTAINER_AGENT,
): string[] {
  const report = reportFile ? ['--report', reportFile] : [];
  return [
    agent,
    'run',
    '--context',
    CONTAINER_CONTEXT_FILE,
    ...report,
    '--',
    ...command.map((arg) => mapPath(arg, mappings)),
  ];
}

/** Replaces the host of the callback URL, for containers that reach the engine by another name. */
export function rewriteCallbackHost(url: string, host: string | undefined): string {
  if (!host) return url;
  const parsed = new URL(url);
  parsed.hostname = host;
  const rewritten = parsed.toString();
  return rewritten.endsWith('/') && !url.endsWith('/') ? rewritten.slice(0, -1) : rewritten;
}

export function containerContext(context: TaskContext, mappings: PathMapping[], callbackHost?: string): TaskContext {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(context.env)) env[name] = mapPathsInText(value, mappings);
  const outputsFile = context.outputsFile ? mapPath(context.outputsFile, mappings) : CONTAINER_OUTPUTS_FILE;
  return {
    ...context,
    env,
    params: mapParams(context.params, mappings) as Record<string, unknown>,
    workdir: context.workdir ? mapPath(context.workdir, mappings) : CONTAINER_WORKSPACE,
    // An outputs file outside every mount would not exist in the container.
    outputsFile:
      outputsFile.startsWith('/caravan/') || outputsFile.startsWith(`${CONTAINER_WORKSPACE}/`)
        ? outputsFile
        : CONTAINER_OUTPUTS_FILE,
    watch: context.watch.map((glob) => mapPath(glob, mappings)),
    files: context.files.map((file) => ({ ...file, path: mapPath(file.path, mappings) })),
    ...(context.callback
      ? { callback: { ...context.callback, url: rewriteCallbackHost(context.callback.url, callbackHost) } }
      : {}),
  };
}
