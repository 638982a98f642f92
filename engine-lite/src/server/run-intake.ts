/**
 * What a submitted run is checked against before anything is stored: the pipeline parses, its
 * nested pipelines are found, and every declared secret is given or, for a registered pipeline's
 * run, stored (an ad-hoc run reads no stored secret: scoped-secrets.ts). Problems are API errors
 * (400) listing each one, as `caravan pipeline lint` prints them.
 */
import type { Pipeline } from '@caravan/spec';
import { formatIssue, loadNestedPipelines, parsePipelineYaml, type RegisteredPipelineLookup } from '@caravan/spec';
import { withNestedFiles } from '../nested/submitted-files.js';
import { scopeSecrets, type ScopedSecrets } from '../secret-store/scoped-secrets.js';
import type { RunRecord } from '../store/types.js';
import type { StoredSecretSource } from '../secret-store/stored-secrets.js';
import { RegistryClientError, RegistryTimeoutError, RegistryUnreachableError } from '@caravan/registry';
import { EngineError } from '../run-creation.js';
import { missingRunSecrets } from './missing-secrets.js';
import { ApiError, notFound } from './api-error.js';

export interface SubmitInput {
  /** The pipeline YAML text. */
  pipeline: string;
  /** The name problems are reported under (default pipeline.yml). */
  file?: string;
  params?: Record<string, string | number | boolean>;
  secrets?: Record<string, string>;
  priority?: number;
  labels?: Record<string, string>;
  executor?: string;
  /** The webhook payload a triggered run reads as `${{ event.* }}`. */
  event?: Record<string, unknown>;
  /** The nested pipeline files, by their path relative to the top file's folder (as in `uses:`). */
  files?: Record<string, string>;
  /** Set for a registered pipeline's run: its name (the scope of its stored secrets) and revision. */
  registered?: { name: string; revision: number };
}

export interface CheckedSubmission {
  pipeline: Pipeline;
  /** Given secrets, and for a registered pipeline's run the stored ones of each pipeline of its tree, by scope. */
  secrets: ScopedSecrets;
  priority: number;
}

export async function checkSubmission(
  home: string,
  input: SubmitInput,
  stored: StoredSecretSource | undefined,
  registered?: RegisteredPipelineLookup,
): Promise<CheckedSubmission> {
  const file = input.file ?? 'pipeline.yml';
  const parsed = parsePipelineYaml(input.pipeline, file);
  if (!parsed.ok) {
    const problems = parsed.errors.map(formatIssue);
    throw new ApiError(400, 'invalid-pipeline', `${file} is not a valid pipeline`, 'fix the problems listed', problems);
  }
  const top = input.registered ? { ...parsed.value, registered: input.registered } : parsed.value;
  const { pipeline, nested } = await withNestedFiles(home, top, input.pipeline, input.files, registered);
  const { scoped, missing } = scopeSecrets([...nested, pipeline], input.secrets ?? {}, stored, !!input.registered);
  if (missing.length > 0) throw missingRunSecrets(pipeline, missing, input.registered ? 'registered' : 'ad-hoc');
  return { pipeline, secrets: scoped, priority: input.priority ?? parsed.value.priority };
}

/**
 * The secrets of a rerun: it keeps the scope of the run it reruns. A registered pipeline's run
 * reads the stored secrets of its pipeline and the registered ones it nests again; an ad-hoc run
 * has only what is sent with the rerun.
 */
export async function rerunSecrets(
  before: RunRecord,
  given: Readonly<Record<string, string>>,
  stored: StoredSecretSource | undefined,
  registered?: RegisteredPipelineLookup,
): Promise<ScopedSecrets> {
  const top = before.pipeline;
  // A nested pipeline that no longer loads fails its step when the rerun reaches it, as in any run.
  const { pipelines: nested } = await loadNestedPipelines(top, { registered: registered ?? (async () => undefined) });
  const { scoped, missing } = scopeSecrets([...nested, top], given, stored, !!top.registered);
  if (missing.length > 0) throw missingRunSecrets(top, missing, top.registered ? 'registered' : 'rerun', before.id);
  return scoped;
}

/** What the API answers when the engine refuses to create a run (anything else is passed on). */
export function runRefused(err: unknown): unknown {
  if (!(err instanceof EngineError)) return err;
  const problems = err.message.split('\n');
  if (err.problems.length > 0 && err.problems.every((p) => registryUnusable(p.cause)))
    return new ApiError(
      503,
      'registry-unavailable',
      'the run cannot start: the server cannot use its registry',
      "try again when the registry answers; if it keeps failing, check the server's CARAVAN_REGISTRY and its token",
      problems,
    );
  return new ApiError(400, 'invalid-run', 'the run cannot start', 'fix the problems listed', problems);
}

/** A registry that cannot be reached, times out, fails or refuses the server's token: nothing the client can fix. */
function registryUnusable(cause: unknown): boolean {
  if (cause instanceof RegistryUnreachableError || cause instanceof RegistryTimeoutError) return true;
  if (!(cause instanceof RegistryClientError)) return false;
  return cause.status === 401 || cause.status === 403 || cause.status === 429 || cause.status >= 500;
}

/** What the API answers when the engine refuses a rerun of `runId` (anything else is passed on). */
export function rerunRefused(err: unknown, runId: string): unknown {
  if (!(err instanceof EngineError)) return err;
  if (err.message.startsWith('no run')) return notFound(`no run ${runId}`, 'list runs with GET /v1/runs');
  return new ApiError(
    409,
    'cannot-rerun',
    err.message,
    'send the secrets the pipeline declares, or wait for the run to end',
  );
}
