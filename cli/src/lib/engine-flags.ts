/**
 * What `caravan run` and `caravan resume` share: the flags that open an engine, reading them
 * (secrets included) into engine options, and the kind of the engine's errors.
 */
import { Flags } from '@oclif/core';
import { ActionResolveError, EngineError } from '@caravan/engine';
import { ExecutorLimitError, parseExecutorLimits } from './engine/executor-limits.js';
import { ParamsError } from '@caravan/engine';
import { gatherSecrets, SecretKeyError, SecretsError } from '@caravan/engine';
import { errorKind, registryFlags, type ErrorKind } from './base-command.js';
import { optionalRegistryConfig, type RegistryConfig } from './registry-config.js';

export const engineFlags = {
  secret: Flags.string({
    char: 's',
    description:
      'a secret, NAME=VALUE (repeatable); also env CARAVAN_SECRET_<NAME>. Wins over a stored secret (caravan secrets set); never stored itself: give it again to resume',
    multiple: true,
  }),
  'secrets-file': Flags.string({ description: 'secrets from a dotenv or JSON file' }),
  webhook: Flags.string({
    description: 'POST run and step events to this URL, signed with CARAVAN_WEBHOOK_SECRET (repeatable)',
    multiple: true,
  }),
  'executor-limit': Flags.string({
    description: 'most steps of one executor running at once, KIND=N, e.g. docker=2 (repeatable)',
    multiple: true,
  }),
  'callback-host': Flags.string({
    description: 'address of the engine callback API (default 127.0.0.1; 0.0.0.0 for containers)',
  }),
  ...registryFlags,
};

export interface EngineSettings {
  secrets: Record<string, string>;
  /** null: no registry configured anywhere (built-in actions only). */
  registry: RegistryConfig | null;
  executorLimits: Record<string, number>;
  webhooks: string[] | undefined;
  callbackHost: string | undefined;
}

/** Reads the shared flags; throws SecretsError, RegistryConfigError or ExecutorLimitError with what to fix. */
export function engineSettings(flags: {
  secret?: string[] | undefined;
  'secrets-file'?: string | undefined;
  webhook?: string[] | undefined;
  'executor-limit'?: string[] | undefined;
  'callback-host'?: string | undefined;
  registry?: string | undefined;
  token?: string | undefined;
}): EngineSettings {
  return {
    secrets: gatherSecrets({ flags: flags.secret, file: flags['secrets-file'], env: process.env }),
    registry: optionalRegistryConfig(flags) ?? null,
    executorLimits: parseExecutorLimits(flags['executor-limit'] ?? []),
    webhooks: flags.webhook,
    callbackHost: flags['callback-host'],
  };
}

/**
 * The engine's errors are about what it was given: an invalid pipeline or params, missing
 * secrets, an action it cannot resolve, a run it does not know or cannot take over (exit 2). A run
 * stopped only by services it could not use (a registry that cannot be reached, times out, fails
 * or refuses the token) is 3, as for `resume`, which meets the registry when the run starts.
 */
export function engineErrorKind(err: unknown): ErrorKind | undefined {
  if (err instanceof EngineError) {
    const unavailable =
      err.problems.length > 0 &&
      err.problems.every((p) => p.cause !== undefined && errorKind(p.cause) === 'unavailable');
    return unavailable ? 'unavailable' : 'usage';
  }
  if (
    err instanceof ActionResolveError ||
    err instanceof ParamsError ||
    err instanceof SecretsError ||
    err instanceof SecretKeyError ||
    err instanceof ExecutorLimitError
  )
    return 'usage';
  return undefined;
}
