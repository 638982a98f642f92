/**
 * `caravan server`'s process: opens the stores under the data dir (the engine store may be
 * PostgreSQL through CARAVAN_DATABASE_URL), the engine, the service and its HTTP API, takes over
 * the runs it drove before, and listens. `stop` takes no new work and leaves running tasks to be
 * re-attached by the next start.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { StepSlots } from '../step-slots.js';
import type { EngineOptions } from '../engine.js';
import { Engine } from '../engine.js';
import { systemClock } from '../clock.js';
import { openEngineStore } from '../store/open.js';
import type { EngineStore } from '../store/types.js';
import { buildApp } from './http-app.js';
import type { TriggerParts } from '../triggers/routes.js';
import { storedSecrets, wireTriggers } from '../triggers/wire.js';
import { pipelineStoreOf } from '../pipelines/pipeline-store.js';
import type { RunStreams } from './streams.js';
import { adoptLegacyQueue } from './legacy-queue.js';
import { RunSecrets } from './run-secrets.js';
import { SecretBox } from './secret-box.js';
import { ServerStore } from './server-store.js';
import { SecretStore } from '../secret-store/secret-store.js';
import { rotateServingKey } from '../secret-store/rotate-key.js';
import { EngineService } from './service.js';

export interface ServeOptions {
  /** The data dir: engine.db, server.db, secret.key, blobs, workspaces (default $CARAVAN_HOME). */
  data: string;
  host?: string;
  port?: number;
  /** Most runs driven at once (default 32); their steps share the slots below. */
  maxRuns?: number;
  /** Most steps running at once across all runs (default CPU count × 2). */
  maxSteps?: number;
  env?: NodeJS.ProcessEnv;
  /** The engine store, already open (tests wrap one); default opened from the env. */
  store?: EngineStore;
  /** Passed to the engine (executors, resolver, concurrency, clock, ...). */
  engine?: Partial<Omit<EngineOptions, 'store' | 'home' | 'runSecrets'>>;
  log?: (line: string) => void;
  /** How often a driven run's priority is reloaded while its steps wait for a slot (default 1 s). */
  priorityPollMs?: number;
  /** The longest wait between two looks of the scheduler (default 60 s; tests on a fake clock raise it). */
  schedulerPollMs?: number;
}

export interface RunningServer {
  url: string;
  service: EngineService;
  streams: RunStreams;
  triggers: TriggerParts;
  /** Every route answered, as `get /v1/runs/:id`. */
  routes: string[];
  /** No new work; the HTTP server closes; running tasks are left for the next start. */
  stop(): Promise<void>;
}

export function serverStorePath(data: string): string {
  return join(data, 'server.db');
}

export async function serve(o: ServeOptions): Promise<RunningServer> {
  const env = { ...(o.env ?? process.env), CARAVAN_HOME: o.data };
  const clock = o.engine?.clock ?? systemClock;
  // Opened first: a wrong key stops the start here, and an interrupted key rotation is finished.
  const stored = new SecretStore(o.data, env, () => clock.now());
  const store = o.store ?? (await openEngineStore(env));
  const server = new ServerStore(serverStorePath(o.data));
  const box = SecretBox.fromEnv(o.data, env);
  const box2: { service?: EngineService } = {};
  const slots = new StepSlots({
    total: o.maxSteps ?? Math.max(2, availableParallelism() * 2),
    perKind: o.engine?.executorLimits ?? {},
    // A nested run (`<run>.<step>.<attempt>`) stands where the run at the top stands.
    orderOf: (runId) => box2.service?.orderOf(runId.split('.')[0]!),
    onWait: () => box2.service?.stepWaits(),
  });
  const pipelines = pipelineStoreOf(store);
  const registeredPipeline = (name: string) => pipelines.get(name);
  const engine = await Engine.start({
    ...o.engine,
    store,
    registeredPipeline,
    home: o.data,
    slots,
    // A nested run (`<run>.<step>.<attempt>`) reads its own scope of the secrets of the run at the top.
    runSecrets: (run) => box2.service?.secretsOf(run.id.split('.')[0]!, run.pipeline),
  });
  const secrets = new RunSecrets(engine, server, box);
  const owner = server.identity();
  await adoptLegacyQueue(server, store, owner);
  const service = new EngineService({
    engine,
    secrets,
    owner,
    slots,
    clock,
    home: o.data,
    maxRuns: o.maxRuns ?? 32,
    stored,
    registered: registeredPipeline,
    log: o.log,
    ...(o.priorityPollMs !== undefined ? { priorityPollMs: o.priorityPollMs } : {}),
  });
  box2.service = service;
  const triggers = wireTriggers(service, clock, storedSecrets(stored, env), o.log, o.schedulerPollMs, stored);
  const { app, streams, routes } = buildApp({
    service,
    server,
    clock,
    triggers,
    stored,
    rotateKey: () => rotateServingKey(stored, server, box),
  });
  await service.start();
  await triggers.scheduler.start();
  const address = await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 8080 });
  return {
    url: address,
    service,
    streams,
    triggers,
    routes,
    async stop() {
      triggers.scheduler.stop();
      service.stop();
      await app.close();
      // A read flushes the store's pending writes; what runs now is taken over at the next start.
      await store.getRun('');
      stored.close();
    },
  };
}
