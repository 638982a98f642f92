/**
 * The triggers of one server: registered pipelines, the scheduler and the webhook intake over the
 * engine store. A webhook secret is a stored secret (`caravan secrets set NAME [--pipeline P]`:
 * the pipeline's own first, then the server's), else `CARAVAN_SECRET_<NAME>` in the server's
 * environment (but for the secret store's own key variables).
 */
import type { Clock } from '../clock.js';
import { envSecret } from '../secrets.js';
import { pipelineStoreOf } from '../pipelines/pipeline-store.js';
import { RegisteredPipelines } from '../pipelines/registered-pipelines.js';
import type { SecretLookup } from '../pipelines/registered-pipelines.js';
import type { SecretStore } from '../secret-store/secret-store.js';
import type { StoredSecretSource } from '../secret-store/stored-secrets.js';
import type { EngineService } from '../server/service.js';
import type { TriggerParts } from './routes.js';
import { busyRunOfGroup } from './overlap.js';
import { Scheduler } from './scheduler.js';
import { WebhookIntake } from './webhook.js';

export function environmentSecrets(env: NodeJS.ProcessEnv): SecretLookup {
  return async (_pipeline, name) => envSecret(env, name);
}

/** Stored secrets (pipeline-level, then server-level) first, then the server's environment. */
export function storedSecrets(stored: Pick<SecretStore, 'valuesFor'>, env: NodeJS.ProcessEnv): SecretLookup {
  const fromEnv = environmentSecrets(env);
  return async (pipeline, name) => stored.valuesFor(pipeline, [name])[name] ?? (await fromEnv(pipeline, name));
}

export function wireTriggers(
  service: EngineService,
  clock: Clock,
  secret: SecretLookup,
  log?: (line: string) => void,
  pollMs?: number,
  stored?: StoredSecretSource,
): TriggerParts {
  const store = pipelineStoreOf(service.store);
  const pipelines = new RegisteredPipelines(store, service, clock, stored);
  return {
    pipelines,
    scheduler: new Scheduler({
      pipelines,
      store,
      clock,
      busy: (pipeline, params) => busyRunOfGroup(service, pipeline, params),
      ...(log ? { log } : {}),
      ...(pollMs ? { pollMs } : {}),
    }),
    hooks: new WebhookIntake(pipelines, store, secret, clock),
    secret,
  };
}
