import type { TaskContext } from '@caravan/spec';

/** `INPUT_<NAME>`: upper case, `-` and `.` become `_`. */
export function inputVariable(name: string): string {
  return `INPUT_${name.toUpperCase().replace(/[-.]/g, '_')}`;
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
}

/**
 * The action's environment: the agent's own (minus its context, which holds every secret and the
 * callback token), then `context.env`, params, secrets, and the agent's file paths last.
 */
export function buildActionEnv(
  base: NodeJS.ProcessEnv,
  context: TaskContext,
  paths: ActionPaths,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && k !== 'CARAVAN_CONTEXT') env[k] = v;
  Object.assign(env, context.env);
  for (const [name, value] of Object.entries(context.params)) env[inputVariable(name)] = paramValue(value);
  Object.assign(env, context.secrets);
  env.CARAVAN_OUTPUT = paths.outputsFile;
  env.METAFILE = paths.metafile;
  env.CARAVAN_WORKSPACE = paths.workspace;
  return env;
}

/** Linux refuses to start a program when one `NAME=value` string is over 32 pages (MAX_ARG_STRLEN). */
const MAX_VARIABLE_BYTES = 128 * 1024;

export function oversizedVariables(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => Buffer.byteLength(name) + 1 + Buffer.byteLength(value) >= MAX_VARIABLE_BYTES)
    .map(([name]) => name);
}
