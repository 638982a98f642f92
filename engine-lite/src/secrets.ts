/**
 * Secrets: gathered from `--secret NAME=VALUE`, env `CARAVAN_SECRET_<NAME>` and `--secrets-file`
 * (dotenv or JSON), handed to the agent for masking and masked again by the engine before anything
 * is stored (masking.ts). Only their names are ever stored.
 */
import { readFileSync } from 'node:fs';

export class SecretsError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_PREFIX = 'CARAVAN_SECRET_';
/** The secret store's key and key file: configuration of the engine, never a secret named KEY handed to a run. */
const ENGINE_SETTINGS = new Set(['CARAVAN_SECRET_KEY', 'CARAVAN_SECRET_KEY_FILE']);

/** The value of `CARAVAN_SECRET_<name>`, unless that variable is one of the engine's own settings. */
export function envSecret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const variable = `${ENV_PREFIX}${name}`;
  return ENGINE_SETTINGS.has(variable) ? undefined : env[variable] || undefined;
}

export function parseAssignment(text: string, what: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new SecretsError(`${what} "${text.split('=')[0]}" must be NAME=VALUE`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

export interface SecretSources {
  flags?: string[];
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/** Later sources win: env, then file, then flags. */
export function gatherSecrets(src: SecretSources): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(src.env ?? {})) {
    if (k.startsWith(ENV_PREFIX) && v !== undefined && k.length > ENV_PREFIX.length && !ENGINE_SETTINGS.has(k))
      out[k.slice(ENV_PREFIX.length)] = v;
  }
  if (src.file) Object.assign(out, readSecretsFile(src.file));
  for (const flag of src.flags ?? []) {
    const [k, v] = parseAssignment(flag, '--secret');
    out[k] = v;
  }
  for (const k of Object.keys(out)) {
    if (!NAME.test(k))
      throw new SecretsError(`secret name "${k}" is invalid: use letters, digits and _ (not starting with a digit)`);
  }
  return out;
}

export function readSecretsFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SecretsError(
      `cannot read secrets file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (text.trimStart().startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new SecretsError(
        `${path}: not valid JSON (${(err as Error).message.replace(/ in JSON.*$/, '')}); expected {"NAME": "value"}`,
      );
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new SecretsError(`${path}: expected a JSON object {"NAME": "value"}`);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== 'string') throw new SecretsError(`${path}: secret "${k}" must be a string`);
      out[k] = v;
    }
    return out;
  }
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const body = line.startsWith('export ') ? line.slice(7).trim() : line;
    const eq = body.indexOf('=');
    if (eq <= 0) throw new SecretsError(`${path}:${i + 1}: expected NAME=value`);
    let value = body.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value[0] === '"' ? value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"') : value.slice(1, -1);
    }
    out[body.slice(0, eq).trim()] = value;
  });
  return out;
}
