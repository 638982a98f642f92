import type { Context } from './contract.js';
import type { EnvironmentFiles } from './exports.js';

/** `INPUT_<NAME>` as Caravan names it: upper case, `-` and `.` become `_`. */
export function inputVariable(name: string): string {
  return `INPUT_${name.toUpperCase().replace(/[-.]/g, '_')}`;
}

/**
 * `INPUT_<NAME>` as GitHub's runner names it and `@actions/core`'s `getInput` reads it: spaces
 * become `_`, upper case, `-` and `.` kept (`INPUT_MY-INPUT`).
 */
export function runnerInputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export function paramValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

export interface ActionPaths {
  outputsFile: string;
  metafile: string;
  workspace: string;
  /** `$GITHUB_ENV`, `$GITHUB_PATH`, `$GITHUB_STATE`, `$GITHUB_STEP_SUMMARY`. */
  files: EnvironmentFiles;
}

/**
 * The action's environment: the agent's own (minus its context, which holds every secret and the
 * callback token), then `context.env`, params, secrets, the folders earlier steps added to PATH,
 * and the agent's file paths last.
 */
export function buildActionEnv(base: NodeJS.ProcessEnv, context: Context, paths: ActionPaths): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && k !== 'CARAVAN_CONTEXT') env[k] = v;
  Object.assign(env, context.env);
  const inputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(context.params)) inputs[inputVariable(name)] = paramValue(value);
  // the runner's name too, unless it is the Caravan name of another param
  for (const [name, value] of Object.entries(context.params)) {
    const runnerName = runnerInputVariable(name);
    if (!Object.hasOwn(inputs, runnerName)) inputs[runnerName] = paramValue(value);
  }
  Object.assign(env, inputs);
  Object.assign(env, context.secrets);
  if (context.prependPath && context.prependPath.length > 0) env.PATH = prependPath(context.prependPath, env.PATH);
  env.CARAVAN_OUTPUT = env.GITHUB_OUTPUT = paths.outputsFile;
  env.CARAVAN_ENV = env.GITHUB_ENV = paths.files.env;
  env.CARAVAN_PATH = env.GITHUB_PATH = paths.files.path;
  env.CARAVAN_STATE = env.GITHUB_STATE = paths.files.state;
  env.CARAVAN_STEP_SUMMARY = env.GITHUB_STEP_SUMMARY = paths.files.summary;
  env.METAFILE = paths.metafile;
  env.CARAVAN_WORKSPACE = paths.workspace;
  return env;
}

/**
 * The runner's PATH for a step: the added folders, the last added first, before the PATH the step
 * would get (not again when it already starts with them; no trailing `:` when it is empty).
 */
export function prependPath(added: readonly string[], current: string | undefined): string {
  const prefix = [...added].reverse().join(':');
  if (!current) return prefix;
  return current.startsWith(`${prefix}:`) ? current : `${prefix}:${current}`;
}

/** Linux refuses to start a program when one `NAME=value` string is over 32 pages (MAX_ARG_STRLEN). */
export const MAX_VARIABLE_BYTES = 128 * 1024;

export function oversizedVariables(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => Buffer.byteLength(name) + 1 + Buffer.byteLength(value) >= MAX_VARIABLE_BYTES)
    .map(([name]) => name);
}
