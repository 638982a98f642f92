/**
 * What `caravan pipelines add` (POST/PUT /v1/pipelines) refuses before anything is stored: nested
 * steps that name no registered pipeline or form a cycle through registered names (the new revision
 * counts as registered already), file paths in `uses:` (a registered pipeline has no folder to read
 * them from), and secrets it references that are not stored: the ones it declares under `secrets:`
 * (its own or a nested pipeline's) and its webhook's `secret:`.
 */
import { formatIssue, loadNestedPipelines } from '@caravan/spec';
import type { Pipeline, RegisteredPipelineLookup } from '@caravan/spec';
import { ApiError } from '../server/api-error.js';
import { missingSecrets, secretScope, type StoredSecretSource } from '../secret-store/stored-secrets.js';
import type { SecretLookup } from './registered-pipelines.js';

/** The registered pipelines the new one runs as nested steps (each with `registered` set). */
export async function checkRegisteredNesting(
  pipeline: Pipeline,
  name: string,
  lookup: RegisteredPipelineLookup,
): Promise<Pipeline[]> {
  const fileSteps = pipeline.steps.filter((s) => s.pipeline);
  if (fileSteps.length > 0)
    throw new ApiError(
      400,
      'invalid-pipeline',
      `${pipeline.file}: a registered pipeline runs other pipelines by their registered name only`,
      'register each nested file (caravan pipelines add FILE --name N) and write uses: N',
      fileSteps.map((s) => `${s.loc.file}:${s.loc.line}:${s.loc.col}: error: step "${s.id}": uses ${s.uses}`),
    );
  if (!pipeline.steps.some((s) => s.registered)) return [];
  const self = { ...pipeline, registered: { name, revision: 0 } };
  const nested = await loadNestedPipelines(self, { registered: lookup });
  if (nested.errors.length > 0)
    throw new ApiError(
      400,
      'invalid-pipeline',
      `${pipeline.file}: its nested pipelines are not valid`,
      'register every pipeline it names first, and let none run this one back',
      nested.errors.map(formatIssue),
    );
  return nested.pipelines;
}

/** Throws naming every referenced secret that is neither stored nor (for the webhook) in the server's environment. */
export async function checkReferencedSecrets(
  pipeline: Pipeline,
  name: string,
  nested: Pipeline[],
  stored: StoredSecretSource | undefined,
  secret: SecretLookup | undefined,
): Promise<void> {
  const problems: string[] = [];
  const names: string[] = [];
  const self = { ...pipeline, registered: { name, revision: 0 } };
  for (const p of [self, ...nested]) {
    const missing = missingSecrets(p, {}, stored);
    names.push(...missing);
    if (missing.length > 0)
      problems.push(
        `${p.file}: secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of pipeline "${secretScope(p)}" not stored: caravan secrets set ${missing[0]} --pipeline ${secretScope(p)}`,
      );
  }
  const hook = pipeline.on?.webhook;
  if (hook && secret && (await secret(name, hook.secret)) === undefined) {
    names.push(hook.secret);
    problems.push(
      `${hook.loc.file}:${hook.loc.line}:${hook.loc.col}: error: the webhook secret "${hook.secret}" is not stored: caravan secrets set ${hook.secret} --pipeline ${name}`,
    );
  }
  if (problems.length > 0) {
    throw new ApiError(
      400,
      'missing-secrets',
      `${pipeline.file}: pipeline "${name}" references secrets that are not stored: ${[...new Set(names)].join(', ')}`,
      'store each (caravan secrets set NAME --pipeline P, or PUT /v1/secrets/NAME), then add the pipeline again',
      problems,
    );
  }
}
