/**
 * The 400 for a run whose declared secrets it cannot have: what is missing (each pipeline of the
 * tree with its names), why (an ad-hoc run reads no stored secret), and how to fix it. Names only.
 */
import type { Pipeline } from '@caravan/spec';
import { secretScope } from '../secret-store/stored-secrets.js';
import { ApiError } from './api-error.js';

/** `ad-hoc`: POST /v1/runs; `registered`: a registered pipeline's run; `rerun`: a rerun of an ad-hoc run. */
export type RunOrigin = 'ad-hoc' | 'registered' | 'rerun';

export function missingRunSecrets(
  top: Pick<Pipeline, 'name' | 'registered'>,
  missing: ReadonlyArray<{ pipeline: Pipeline; names: string[] }>,
  origin: RunOrigin,
  rerunOf?: string,
): ApiError {
  const names = [...new Set(missing.flatMap((m) => m.names))];
  const problems = missing.map(
    (m) => `${m.pipeline.file}: pipeline "${secretScope(m.pipeline)}" declares ${m.names.join(', ')}`,
  );
  const s = names.length > 1 ? 's' : '';
  const first = names[0]!;
  if (origin === 'registered')
    return new ApiError(
      400,
      'missing-secrets',
      `secret${s} ${names.join(', ')} declared by pipeline "${secretScope(top)}" (or one it nests) ${names.length > 1 ? 'are' : 'is'} neither given nor stored`,
      `an admin stores each under its pipeline (caravan secrets set ${first} --pipeline ${secretScope(missing[0]!.pipeline)}, or PUT /v1/secrets/${first}), or send them in "secrets"`,
      problems,
    );
  const what = origin === 'rerun' ? `run ${rerunOf} was an ad-hoc run, so its rerun` : 'an ad-hoc run (POST /v1/runs)';
  return new ApiError(
    400,
    'missing-secrets',
    `secret${s} ${names.join(', ')} declared by pipeline "${top.name}" ${names.length > 1 ? 'were' : 'was'} not sent with the run: ${what} gets no stored secrets, only those sent with it`,
    origin === 'rerun'
      ? `send them in "secrets" (caravan rerun ${rerunOf} --server URL --secret ${first}=VALUE)`
      : `send them in "secrets" (caravan run --server URL FILE --secret ${first}=VALUE), or have an admin register the pipeline (caravan pipelines add FILE --name ${top.name}) and start it with POST /v1/pipelines/${top.name}/runs (caravan pipelines run ${top.name}): a registered pipeline's run reads its stored secrets`,
    problems,
  );
}
