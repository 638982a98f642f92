/** `--with name=value` and `--secret NAME[=value]` flags, checked against the action's declared inputs. */
import type { ActionInput, ActionSpec } from '@caravan/spec';
import { UsageError } from '../base-command.js';

export class ParamError extends UsageError {}

function splitPair(text: string, flag: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  if (eq === 0) throw new ParamError(`${flag} "${text}" has no name before "=": write ${flag} name=value`);
  return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
}

function coerce(name: string, input: ActionInput, raw: string): unknown {
  const type = input.type ?? 'string';
  const bad = (what: string) =>
    new ParamError(
      `--with ${name}: input "${name}" is ${type}, so the value must be ${what}; got ${input.secret ? '(hidden)' : JSON.stringify(raw)}`,
    );
  switch (type) {
    case 'number': {
      const n = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw bad('true or false');
    case 'string[]':
    case 'object': {
      if (type === 'string[]' && !raw.trimStart().startsWith('['))
        return raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        throw bad(type === 'object' ? 'a JSON object like {"a":1}' : 'a JSON list like ["a","b"] or a,b');
      }
    }
    default:
      return raw;
  }
}

export interface ResolvedParams {
  params: Record<string, unknown>;
  secrets: Record<string, string>;
}

/** Params for the task context: the given values typed by the spec, defaults for the rest. */
export function resolveParams(
  spec: ActionSpec,
  withFlags: string[],
  secretFlags: string[],
  env: NodeJS.ProcessEnv,
): ResolvedParams {
  const params: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  const names = Object.keys(spec.inputs);
  for (const text of withFlags) {
    const [name, value] = splitPair(text, '--with');
    if (value === undefined) throw new ParamError(`--with "${name}" has no value: write --with ${name}=value`);
    const input = spec.inputs[name];
    if (!input) throw new ParamError(`${spec.name} has no input "${name}" (inputs: ${names.join(', ') || 'none'})`);
    params[name] = coerce(name, input, value);
    if (input.secret) secrets[`INPUT_${name.toUpperCase().replace(/[-.]/g, '_')}`] = value;
  }
  for (const text of secretFlags) {
    const [name, value] = splitPair(text, '--secret');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new ParamError(`--secret "${name}": a secret's name is an environment variable name (letters, digits, _)`);
    const resolved = value ?? env[name];
    if (resolved === undefined)
      throw new ParamError(
        `--secret ${name}: give a value (--secret ${name}=...) or set the environment variable ${name}`,
      );
    secrets[name] = resolved;
  }
  const missing: string[] = [];
  for (const [name, input] of Object.entries(spec.inputs)) {
    if (name in params) continue;
    if (input.default !== undefined) params[name] = input.default;
    else if (input.required) missing.push(name);
  }
  if (missing.length > 0) {
    throw new ParamError(
      `missing required input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}: add ${missing.map((m) => `--with ${m}=...`).join(' ')}`,
    );
  }
  return { params, secrets };
}
