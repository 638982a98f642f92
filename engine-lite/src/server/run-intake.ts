/**
 * What a submitted run is checked against before anything is stored: the pipeline parses, its
 * nested pipelines are found, and every declared secret is given or stored. Problems are API
 * errors (400) listing each one, as `caravan pipeline lint` prints them.
 */
import type { Pipeline } from '@caravan/spec';
import { formatIssue, parsePipelineYaml, type RegisteredPipelineLookup } from '@caravan/spec';
import { withNestedFiles } from '../nested/submitted-files.js';
import { missingSecretsError, withStoredSecrets, type StoredSecretSource } from '../secret-store/stored-secrets.js';
import { EngineError } from '../run-creation.js';
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
  /** Given secrets, and the stored ones filling each declared secret not given (nested pipelines' too). */
  secrets: Record<string, string>;
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
  const all = [...nested, pipeline];
  const secrets: Record<string, string> = {};
  for (const p of all) Object.assign(secrets, withStoredSecrets(p, input.secrets ?? {}, stored));
  const missing = [...new Set(all.flatMap((p) => p.secrets))].filter((n) => !(n in secrets));
  if (missing.length > 0)
    throw new ApiError(
      400,
      'missing-secrets',
      missingSecretsError(all.find((p) => p.secrets.includes(missing[0]!)) ?? pipeline, missing).message,
      'store them with PUT /v1/secrets/NAME (caravan secrets set NAME), or send them in "secrets"',
    );
  return { pipeline, secrets, priority: input.priority ?? parsed.value.priority };
}

/** What the API answers when the engine refuses to create a run (anything else is passed on). */
export function runRefused(err: unknown): unknown {
  if (!(err instanceof EngineError)) return err;
  const problems = err.message.split('\n');
  return new ApiError(400, 'invalid-run', 'the run cannot start', 'fix the problems listed', problems);
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
