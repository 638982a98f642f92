/** Opens the engine the way every CLI command does: store and home from the environment. */
import { builtinActionsDir, DefaultActionResolver } from '@caravan/engine';
import { RegistryActionSource } from '@caravan/engine';
import { Engine } from '@caravan/engine';
import { caravanHome } from '@caravan/engine';
import { openEngineStore } from '@caravan/engine';
import { redactUrl } from '@caravan/engine';
import type { EngineStore } from '@caravan/engine';

export interface OpenEngineOptions {
  secrets?: Record<string, string>;
  webhooks?: string[];
  callbackHost?: string;
  concurrency?: number;
  /** Most steps of one executor kind running at once, e.g. `{ docker: 2 }`. */
  executorLimits?: Record<string, number>;
  /** Image for container steps whose action names none; default env CARAVAN_DEFAULT_IMAGE. */
  defaultImage?: string;
  /**
   * Where actions that are neither built-in nor local resolve: a registry, or null for none.
   * Absent: `CARAVAN_REGISTRY` with `CARAVAN_REGISTRY_TOKEN` (else `CARAVAN_TOKEN`). The CLI passes
   * what `--registry`, the environment and `caravan login` say.
   */
  registry?: { url: string; token?: string } | null;
  env?: NodeJS.ProcessEnv;
}

export async function openEngine(o: OpenEngineOptions = {}): Promise<Engine> {
  const env = o.env ?? process.env;
  const store = await openEngineStore(env);
  const config =
    o.registry !== undefined
      ? o.registry
      : env.CARAVAN_REGISTRY
        ? { url: env.CARAVAN_REGISTRY, token: env.CARAVAN_REGISTRY_TOKEN || env.CARAVAN_TOKEN }
        : null;
  const registry = config ? new RegistryActionSource(config.url, config.token) : undefined;
  try {
    return await Engine.start({
      store,
      home: caravanHome(env),
      resolver: new DefaultActionResolver(builtinActionsDir(), registry),
      secrets: o.secrets,
      concurrency: o.concurrency,
      executorLimits: o.executorLimits,
      defaultImage: o.defaultImage ?? env.CARAVAN_DEFAULT_IMAGE,
      callback: o.callbackHost ? { host: o.callbackHost } : undefined,
      webhooks:
        o.webhooks && o.webhooks.length > 0
          ? {
              urls: o.webhooks,
              secret: env.CARAVAN_WEBHOOK_SECRET,
              onGiveUp: (url, type, reason) =>
                process.stderr.write(`warning: webhook ${redactUrl(url)}: gave up delivering ${type} (${reason})\n`),
            }
          : undefined,
    });
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The store alone, for commands that only read or flag runs. */
export async function openStore(env: NodeJS.ProcessEnv = process.env): Promise<EngineStore> {
  return openEngineStore(env);
}
