/**
 * Pipelines registered on the server: checked like any submitted pipeline, stored as revisions,
 * and started by name (by a person, a schedule or a webhook). Each run is labelled with the
 * pipeline's name, the revision it ran and what started it.
 */
import { formatIssue, nextFireTimes, parsePipelineYaml, REGISTERED_PIPELINE_NAME } from '@caravan/spec';
import type { Pipeline, SpecIssue } from '@caravan/spec';
import type { Clock } from '../clock.js';
import { ApiError, notFound } from '../server/api-error.js';
import type { EngineService, SubmitInput } from '../server/service.js';
import type { RunClaim, RunRecord } from '../store/types.js';
import type { PipelineRevision, PipelineStore } from './pipeline-store.js';
import {
  checkNestedApproval,
  checkReferencedSecrets,
  checkRegisteredNesting,
  checkSecretApproval,
  secretHoldersAbove,
} from './registration-checks.js';
import type { Registrant } from './registration-checks.js';
import type { StoredSecretSource } from '../secret-store/stored-secrets.js';

export const PIPELINE_NAME = REGISTERED_PIPELINE_NAME;

/** The labels a run of a registered pipeline carries. */
export const LABEL = {
  pipeline: 'caravan.pipeline',
  revision: 'caravan.revision',
  trigger: 'caravan.trigger',
  /** The schedule tick a run was started for (ISO time). */
  tick: 'caravan.tick',
};

/** How the server reads a stored secret for a pipeline (stored secrets, or the server's environment). */
export type SecretLookup = (pipeline: string, name: string) => Promise<string | undefined>;

export type Trigger = 'api' | 'schedule' | 'webhook';

export interface StartInput extends Omit<SubmitInput, 'pipeline' | 'file'> {
  trigger: Trigger;
  claim?: RunClaim;
}

export interface PipelineView {
  name: string;
  revision: number;
  file: string;
  createdAt: number;
  schedules: Array<{ cron: string; timezone: string; catchUp: string; maxCatchUp: number; next: number[] }>;
  webhook?: { secret: string; path: string };
}

export class RegisteredPipelines {
  constructor(
    private readonly store: PipelineStore,
    private readonly service: EngineService,
    private readonly clock: Clock,
    /** Stored secrets: a pipeline referencing one not stored is refused. */
    private readonly stored?: StoredSecretSource,
  ) {}

  /** Checks the text (registration-checks.ts) and stores it as the next revision. */
  async add(
    source: string,
    file: string,
    by: Registrant,
    name?: string,
    secret?: SecretLookup,
  ): Promise<{ revision: PipelineRevision; warnings: string[] }> {
    const pipeline = parseOrThrow(source, file);
    const chosen = name ?? pipeline.name;
    if (!PIPELINE_NAME.test(chosen))
      throw new ApiError(
        400,
        'invalid-name',
        `"${chosen}" is not a valid pipeline name`,
        'use lower-case letters, digits, ".", "_" and "-" (at most 100), starting with a letter or digit; pass --name',
      );
    const warnings: string[] = [];
    const lookup = (n: string) => this.store.get(n);
    const nested = await checkRegisteredNesting(pipeline, chosen, lookup);
    checkSecretApproval(pipeline, chosen, nested, by);
    if (!by.admin) checkNestedApproval(chosen, await secretHoldersAbove(chosen, await this.list(), lookup), by);
    await checkReferencedSecrets(pipeline, chosen, nested, this.stored, secret);
    const revision = await this.store.add(chosen, source, file, this.clock.now());
    return { revision, warnings };
  }

  async get(name: string): Promise<PipelineRevision> {
    const found = await this.store.get(name);
    if (!found) throw notFound(`no registered pipeline "${name}"`, 'list them with GET /v1/pipelines');
    return found;
  }

  async list(): Promise<PipelineRevision[]> {
    return this.store.list();
  }

  async remove(name: string): Promise<void> {
    if (!(await this.store.remove(name, this.clock.now())))
      throw notFound(`no registered pipeline "${name}"`, 'list them with GET /v1/pipelines');
  }

  /** What GET /v1/pipelines/{name} shows: the revision, its schedules with the next five fire times, its webhook. */
  view(r: PipelineRevision): PipelineView & { source: string } {
    const p = parseOrThrow(r.source, r.file);
    const now = this.clock.now();
    return {
      name: r.name,
      revision: r.revision,
      file: r.file,
      createdAt: r.createdAt,
      source: r.source,
      schedules: (p.on?.schedule ?? []).map((s) => ({
        cron: s.cron,
        timezone: s.timezone,
        catchUp: s.catchUp,
        maxCatchUp: s.maxCatchUp,
        next: nextFireTimes(s, now, 5),
      })),
      ...(p.on?.webhook ? { webhook: { secret: p.on.webhook.secret, path: `/v1/hooks/${r.name}` } } : {}),
    };
  }

  /** Starts a run of the given (default: latest) revision; undefined when its claim is held already. */
  async start(r: PipelineRevision, input: StartInput): Promise<RunRecord | undefined> {
    const { trigger, claim, ...rest } = input;
    return this.service.submitClaimed(
      {
        ...rest,
        pipeline: r.source,
        file: r.file,
        registered: { name: r.name, revision: r.revision },
        labels: {
          ...rest.labels,
          [LABEL.pipeline]: r.name,
          [LABEL.revision]: String(r.revision),
          [LABEL.trigger]: trigger,
          ...(claim?.kind === 'tick' ? { [LABEL.tick]: new Date(claim.tick).toISOString() } : {}),
        },
      },
      claim,
    );
  }
}

export function parseOrThrow(source: string, file: string): Pipeline {
  const parsed = parsePipelineYaml(source, file);
  if (parsed.ok) return parsed.value;
  throw new ApiError(
    400,
    'invalid-pipeline',
    `${file} is not a valid pipeline`,
    'fix the problems listed',
    parsed.errors.map((e: SpecIssue) => formatIssue(e)),
  );
}
