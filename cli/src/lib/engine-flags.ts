/**
 * Flags shared by the commands that open an engine or resolve actions (`run`, `resume`,
 * `pipeline lint`), and what they mean for the engine.
 */
import { Flags } from '@oclif/core';
import { ExecutorLimitError, parseExecutorLimits } from './engine/executor-limits.js';
import { optionalRegistryConfig, RegistryConfigError, type RegistryConfig } from './registry-config.js';

export const registryFlags = {
  registry: Flags.string({
    description: 'registry that actions resolve from (default: CARAVAN_REGISTRY, then `caravan login`)',
  }),
  token: Flags.string({
    description: 'registry token (default: CARAVAN_REGISTRY_TOKEN, CARAVAN_TOKEN, then `caravan login`)',
  }),
};

export const executorLimitFlag = {
  'executor-limit': Flags.string({
    description: 'most steps of one executor running at once, KIND=N, e.g. docker=2 (repeatable)',
    multiple: true,
  }),
};

export interface EngineSettings {
  /** null: no registry configured anywhere (built-in actions only). */
  registry: RegistryConfig | null;
  executorLimits: Record<string, number>;
}

/** Throws RegistryConfigError or ExecutorLimitError (see isSettingsError) with what to fix. */
export function engineSettings(flags: {
  registry?: string | undefined;
  token?: string | undefined;
  'executor-limit'?: string[] | undefined;
}): EngineSettings {
  return {
    registry: optionalRegistryConfig(flags) ?? null,
    executorLimits: parseExecutorLimits(flags['executor-limit'] ?? []),
  };
}

export function isSettingsError(err: unknown): err is Error {
  return err instanceof RegistryConfigError || err instanceof ExecutorLimitError;
}
