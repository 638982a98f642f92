// Inputs, outputs and errors of a Caravan action, with Node built-ins only.
// The canonical copy lives in marketplace/actions/_shared/; each action carries its own copy in
// lib/ so its folder stays self-contained and publishable (`node marketplace/actions/_shared/sync.mjs`).
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';

/** A failure the user can fix: reported as `::error::` without a stack trace. */
export class ActionError extends Error {}

export function inputEnvName(name) {
  return `INPUT_${name.toUpperCase().replace(/[-. ]/g, '_')}`;
}

function quote(value, secret) {
  if (secret) return '(hidden: secret input)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}

function parseJson(name, raw, secret, what) {
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new ActionError(`input "${name}" must be ${what} (JSON), got ${quote(raw, secret)}: ${err.message}`);
  }
}

const BOOLEANS = { true: true, false: false };

function parseValue(name, raw, type, secret) {
  switch (type) {
    case 'string':
      return raw;
    case 'number': {
      const n = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(n)) throw new ActionError(`input "${name}" must be a number, got ${quote(raw, secret)}`);
      return n;
    }
    case 'boolean': {
      const b = BOOLEANS[raw.trim().toLowerCase()];
      if (b === undefined) throw new ActionError(`input "${name}" must be true or false, got ${quote(raw, secret)}`);
      return b;
    }
    case 'string[]': {
      if (!raw.trimStart().startsWith('['))
        return raw
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l !== '');
      const list = parseJson(name, raw, secret, 'a list of strings');
      if (!Array.isArray(list))
        throw new ActionError(`input "${name}" must be a list of strings, got ${quote(raw, secret)}`);
      return list.map((item, i) => {
        if (typeof item === 'string') return item;
        if (typeof item === 'number' || typeof item === 'boolean') return String(item);
        throw new ActionError(`input "${name}[${i}]" must be a string, got ${quote(item, secret)}`);
      });
    }
    case 'object': {
      const obj = parseJson(name, raw, secret, 'a mapping');
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        throw new ActionError(`input "${name}" must be a mapping of keys to values, got ${quote(raw, secret)}`);
      }
      return obj;
    }
    default:
      throw new Error(`unknown input type ${type}`);
  }
}

/**
 * Reads input `name` from `INPUT_<NAME>`. An empty value counts as not given.
 * Options: type (string|number|boolean|string[]|object), required, default, enum, min, max, integer, secret.
 */
export function getInput(name, options = {}) {
  const { type = 'string', required = false, secret = false } = options;
  const env = inputEnvName(name);
  const raw = process.env[env];
  if (raw === undefined || raw === '') {
    if (required)
      throw new ActionError(
        `input "${name}" is required: give it under "with:" in the step (environment variable ${env})`,
      );
    return options.default;
  }
  const value = parseValue(name, raw, type, secret);
  if (options.enum && !options.enum.includes(value)) {
    throw new ActionError(
      `input "${name}" must be one of ${options.enum.map((v) => JSON.stringify(v)).join(', ')}, got ${quote(value, secret)}`,
    );
  }
  if (type === 'number') {
    if (options.integer && !Number.isInteger(value))
      throw new ActionError(`input "${name}" must be a whole number, got ${value}`);
    if (options.min !== undefined && value < options.min)
      throw new ActionError(`input "${name}" must be at least ${options.min}, got ${value}`);
    if (options.max !== undefined && value > options.max)
      throw new ActionError(`input "${name}" must be at most ${options.max}, got ${value}`);
  }
  return value;
}

/** Appends `name=value` (or a heredoc for multi-line values) to `$CARAVAN_OUTPUT`. Non-strings are JSON-encoded. */
export function setOutput(name, value) {
  const file = process.env.CARAVAN_OUTPUT;
  if (!file)
    throw new ActionError(
      'CARAVAN_OUTPUT is not set: run this action under caravan-agent (caravan action run, or a pipeline)',
    );
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (!/[\r\n]/.test(text) && !name.includes('<<')) {
    appendFileSync(file, `${name}=${text}\n`);
    return;
  }
  let delimiter;
  do delimiter = `CARAVAN_EOF_${randomBytes(8).toString('hex')}`;
  while (text.includes(delimiter));
  appendFileSync(file, `${name}<<${delimiter}\n${text}\n${delimiter}\n`);
}

function escapeData(text) {
  return String(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function info(message) {
  process.stdout.write(`${message}\n`);
}

export function warning(message) {
  process.stdout.write(`::warning::${escapeData(message)}\n`);
}

export function error(message) {
  process.stdout.write(`::error::${escapeData(message)}\n`);
}

/** The step's working directory: `$CARAVAN_WORKSPACE`, else the current directory. */
export function workspace() {
  return process.env.CARAVAN_WORKSPACE || process.cwd();
}

/** Resolves a path given by the user against the workspace. */
export function workspacePath(path) {
  return isAbsolute(path) ? path : resolve(workspace(), path);
}

/** Reads an environment variable the engine provides, failing clearly when it is absent. */
export function engineEnv(name, what) {
  const value = process.env[name];
  if (!value)
    throw new ActionError(
      `${name} is not set: it names ${what}; caravan run sets it, or set it yourself when running the action by hand`,
    );
  return value;
}

/** Runs the action's main function: user errors become `::error::` and exit code 1. */
export function run(main) {
  Promise.resolve()
    .then(main)
    .catch((err) => {
      if (err instanceof ActionError) {
        error(err.message);
      } else {
        error(`internal error: ${err?.message ?? String(err)}`);
        process.stderr.write(`${err?.stack ?? String(err)}\n`);
      }
      process.exitCode = process.exitCode || 1;
    });
}
