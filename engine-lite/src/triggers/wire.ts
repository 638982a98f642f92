/**
 * The triggers of one server: registered pipelines, the scheduler and the webhook intake over the
 * engine store. Until stored secrets exist, a webhook secret is read from the server's environment
 * as `CARAVAN_SECRET_<NAME>` (the name as written), through `SecretLookup`: the one place to
 * change when the stored secrets land.
 */
import type { Clock } from '../clock.js';
import { pipelineStoreOf } from '../pipelines/pipeline-store.js';
import { RegisteredPipelines } from '../pipelines/registered-pipelines.js';
import type { SecretLookup } from '../pipelines/registered-pipelines.js';
import type { EngineService } from '../server/service.js';
import type { TriggerParts } from './routes.js';
import { Scheduler } from './scheduler.js';
import { WebhookIntake } from './webhook.js';

export function environmentSecrets(env: NodeJS.ProcessEnv): SecretLookup {
  return async (_pipeline, name) => env[`CARAVAN_SECRET_${name}`] || undefined;
}

export function wireTriggers(
  service: EngineService,
  clock: Clock,
  secret: SecretLookup,
  log?: (line: string) => void,
  pollMs?: number,
): TriggerParts {
  const store = pipelineStoreOf(service.store);
  const pipelines = new RegisteredPipelines(store, service, clock);
  return {
    pipelines,
    scheduler: new Scheduler({ pipelines, store, clock, ...(log ? { log } : {}), ...(pollMs ? { pollMs } : {}) }),
    hooks: new WebhookIntake(pipelines, store, secret, clock),
    secret,
  };
}
