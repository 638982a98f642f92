import { existsSync, readFileSync } from 'node:fs';
import type { Context } from './contract.js';

/** A context that cannot be used; the message says what, where and how to fix it. */
export class ContextError extends Error {}

const KNOWN = new Set([
  'taskId',
  'runId',
  'stepId',
  'secrets',
  'params',
  'env',
  'outputsFile',
  'watch',
  'files',
  'callback',
  'timeoutSeconds',
  'graceSeconds',
  'workdir',
  'outputs',
  'dynamicOutputs',
  'warnPatterns',
  'prependPath',
]);

/** Reads the context from `--context FILE`, else `CARAVAN_CONTEXT` (inline JSON or a path), else an empty one. */
export function readContextText(file: string | undefined, env: NodeJS.ProcessEnv): { text: string; source: string } {
  if (file !== undefined) return { text: readText(file, `--context ${file}`), source: file };
  const inline = env.CARAVAN_CONTEXT;
  if (inline === undefined || inline.trim() === '') return { text: '{}', source: 'default' };
  if (inline.trimStart().startsWith('{')) return { text: inline, source: 'CARAVAN_CONTEXT' };
  return { text: readText(inline, `CARAVAN_CONTEXT=${inline}`), source: inline };
}

function readText(path: string, what: string): string {
  if (!existsSync(path))
    throw new ContextError(
      `${what}: the context file does not exist; pass a JSON file or set CARAVAN_CONTEXT to inline JSON`,
    );
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ContextError(
      `${what}: cannot read the context file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

export interface ParsedContext {
  context: Context;
  warnings: string[];
}

/** Parses and checks a task context by hand (the agent stays small: no schema library). */
export function parseContext(text: string, source: string): ParsedContext {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ContextError(`${source}: the task context is not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(raw)) throw new ContextError(`${source}: the task context must be a JSON object, got ${kindOf(raw)}`);
  const problems: string[] = [];
  const warnings: string[] = [];
  const at = (key: string) => `${source}: context.${key}`;
  for (const key of Object.keys(raw))
    if (!KNOWN.has(key)) warnings.push(`${at(key)} is not a known field; it is ignored`);

  const stringMap = (key: string): Record<string, string> => {
    const value = raw[key];
    if (value === undefined || value === null) return {};
    if (!isObject(value)) return (problems.push(`${at(key)} must be an object of strings, got ${kindOf(value)}`), {});
    for (const [k, v] of Object.entries(value))
      if (typeof v !== 'string') problems.push(`${at(`${key}.${k}`)} must be a string, got ${kindOf(v)}`);
    return value as Record<string, string>;
  };
  const optString = (key: string): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value === '')
      return (problems.push(`${at(key)} must be a non-empty string, got ${kindOf(value)}`), undefined);
    return value;
  };
  const optSeconds = (key: string): number | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      return (
        problems.push(
          `${at(key)} must be a number of seconds >= 0, got ${typeof value === 'number' ? value : kindOf(value)}`,
        ),
        undefined
      );
    return value;
  };
  const stringList = (key: string): string[] => {
    const value = raw[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      return (problems.push(`${at(key)} must be a list of strings`), []);
    return value as string[];
  };

  const context: Context = {
    secrets: stringMap('secrets'),
    params: {},
    env: stringMap('env'),
    watch: stringList('watch'),
    files: [],
  };
  for (const key of ['taskId', 'runId', 'stepId', 'outputsFile', 'workdir'] as const) {
    const v = optString(key);
    if (v !== undefined) context[key] = v;
  }
  for (const key of ['timeoutSeconds', 'graceSeconds'] as const) {
    const v = optSeconds(key);
    if (v !== undefined) context[key] = v;
  }
  if (raw.params !== undefined && raw.params !== null) {
    if (isObject(raw.params)) context.params = raw.params;
    else problems.push(`${at('params')} must be an object, got ${kindOf(raw.params)}`);
  }
  if (raw.files !== undefined && raw.files !== null) {
    if (!Array.isArray(raw.files)) problems.push(`${at('files')} must be a list of {"name","path"}`);
    else
      raw.files.forEach((f, i) => {
        if (isObject(f) && typeof f.name === 'string' && f.name !== '' && typeof f.path === 'string' && f.path !== '')
          context.files.push({ name: f.name, path: f.path });
        else problems.push(`${at(`files[${i}]`)} must be {"name": string, "path": string}`);
      });
  }
  if (raw.callback !== undefined && raw.callback !== null) {
    const cb = raw.callback;
    if (!isObject(cb) || typeof cb.url !== 'string' || typeof cb.token !== 'string')
      problems.push(`${at('callback')} must be {"url": string, "token": string}`);
    else if (!/^https?:\/\//.test(cb.url))
      problems.push(`${at('callback.url')} must be an http:// or https:// URL, got "${cb.url}"`);
    else if (
      cb.logTypes !== undefined &&
      !(Array.isArray(cb.logTypes) && cb.logTypes.every((t) => typeof t === 'string'))
    )
      problems.push(`${at('callback.logTypes')} must be a list of content types (strings)`);
    else
      context.callback = {
        url: cb.url.replace(/\/+$/, ''),
        token: cb.token,
        ...(cb.logTypes ? { logTypes: cb.logTypes as string[] } : {}),
      };
  }
  if (raw.outputs !== undefined && raw.outputs !== null) {
    if (!isObject(raw.outputs)) problems.push(`${at('outputs')} must be an object of {"type"}`);
    else {
      context.outputs = {};
      for (const [name, decl] of Object.entries(raw.outputs)) {
        const type = isObject(decl) ? decl.type : undefined;
        if (type !== 'string' && type !== 'number' && type !== 'boolean' && type !== 'json')
          problems.push(`${at(`outputs.${name}.type`)} must be one of string, number, boolean, json`);
        else context.outputs[name] = { type };
      }
    }
  }
  if (raw.dynamicOutputs !== undefined && raw.dynamicOutputs !== null) {
    if (typeof raw.dynamicOutputs !== 'boolean')
      problems.push(`${at('dynamicOutputs')} must be true or false, got ${kindOf(raw.dynamicOutputs)}`);
    else if (raw.dynamicOutputs) context.dynamicOutputs = true;
  }
  const warnPatterns = stringList('warnPatterns');
  for (const [i, p] of warnPatterns.entries()) {
    try {
      new RegExp(p);
    } catch (err) {
      problems.push(`${at(`warnPatterns[${i}]`)} is not a valid regular expression (${(err as Error).message})`);
    }
  }
  if (warnPatterns.length > 0) context.warnPatterns = warnPatterns;
  const prependPath = stringList('prependPath');
  if (prependPath.some((p) => p === '' || p.includes('\0')))
    problems.push(`${at('prependPath')} must hold folder paths: no empty string, no NUL byte`);
  else if (prependPath.length > 0) context.prependPath = prependPath;

  if (problems.length > 0) throw new ContextError(`invalid task context:\n  ${problems.join('\n  ')}`);
  return { context, warnings };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  // never the value itself: it may be a secret
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
