/**
 * Which registry the CLI talks to, and with which token: `--registry`/`--token` flags first, then
 * `CARAVAN_REGISTRY`/`CARAVAN_TOKEN`, then `$CARAVAN_HOME/credentials.json` (written by `caravan login`).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { caravanHome } from '@caravan/registry';
import { UsageError } from './base-command.js';

export interface RegistryConfig {
  url: string;
  token?: string;
}

export interface RegistryFlags {
  registry?: string | undefined;
  token?: string | undefined;
}

interface Credentials {
  default?: string;
  registries: Record<string, { token: string; user?: string }>;
}

/** No registry configured, a bad URL or a damaged credentials file (exit 2). */
export class RegistryConfigError extends UsageError {
  override name = 'RegistryConfigError';
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(caravanHome(env), 'credentials.json');
}

/** `http://host:7700/` and `http://host:7700` are one registry. */
function normaliseUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

function readCredentials(env: NodeJS.ProcessEnv): Credentials {
  const path = credentialsPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { registries: {} };
    throw new RegistryConfigError(
      `cannot read ${path}: ${(err as Error).message}; fix its permissions or run \`caravan login\` again`,
    );
  }
  try {
    const parsed = JSON.parse(text) as Partial<Credentials>;
    if (
      !parsed ||
      typeof parsed !== 'object' ||
      (parsed.registries !== undefined && typeof parsed.registries !== 'object')
    )
      throw new Error('not an object');
    return {
      ...(typeof parsed.default === 'string' ? { default: parsed.default } : {}),
      registries: parsed.registries ?? {},
    };
  } catch {
    throw new RegistryConfigError(
      `${path} is not valid credentials JSON; delete it and run \`caravan login --registry URL\` again`,
    );
  }
}

function checkUrl(url: string, from: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RegistryConfigError(`the registry URL from ${from} is not a valid URL; use e.g. http://127.0.0.1:7700`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RegistryConfigError(`the registry URL from ${from} must start with http:// or https://`);
  }
  return normaliseUrl(url);
}

export function registryConfig(flags: RegistryFlags = {}, env: NodeJS.ProcessEnv = process.env): RegistryConfig {
  const nonEmpty = (v: string | undefined): string | undefined =>
    v !== undefined && v.trim() !== '' ? v.trim() : undefined;
  let creds: Credentials | undefined;
  const credentials = (): Credentials => (creds ??= readCredentials(env));
  const fromFlag = nonEmpty(flags.registry);
  const fromEnv = nonEmpty(env.CARAVAN_REGISTRY);
  const raw = fromFlag ?? fromEnv ?? credentials().default;
  if (raw === undefined) {
    throw new RegistryConfigError(
      'no registry configured: pass --registry URL, set CARAVAN_REGISTRY=URL (with CARAVAN_TOKEN for writes), or run `caravan login --registry URL` once',
    );
  }
  const url = checkUrl(raw, fromFlag ? '--registry' : fromEnv ? 'CARAVAN_REGISTRY' : credentialsPath(env));
  const token = nonEmpty(flags.token) ?? nonEmpty(env.CARAVAN_TOKEN) ?? credentials().registries[url]?.token;
  return token ? { url, token } : { url };
}

/**
 * The registry `caravan run` resolves actions from, or undefined when none is configured at all
 * (then only built-in and local actions resolve). `CARAVAN_REGISTRY_TOKEN` is the engine's own name
 * for the token and comes before `CARAVAN_TOKEN`.
 */
export function optionalRegistryConfig(
  flags: RegistryFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): RegistryConfig | undefined {
  const given = (v: string | undefined) => v !== undefined && v.trim() !== '';
  if (!given(flags.registry) && !given(env.CARAVAN_REGISTRY) && readCredentials(env).default === undefined)
    return undefined;
  const token = given(flags.token)
    ? flags.token
    : given(env.CARAVAN_REGISTRY_TOKEN)
      ? env.CARAVAN_REGISTRY_TOKEN
      : undefined;
  return registryConfig({ registry: flags.registry, token }, env);
}

/** Stores a token for `url` (and makes it the default registry) in a file only its owner can read. */
export function saveCredentials(
  url: string,
  token: string,
  user: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const key = checkUrl(url, 'login');
  const path = credentialsPath(env);
  const creds = readCredentials(env);
  creds.default = key;
  creds.registries[key] = user ? { token, user } : { token };
  mkdirSync(caravanHome(env), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return path;
}
