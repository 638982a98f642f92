/**
 * What `caravan pipelines add` (POST/PUT /v1/pipelines) refuses before anything is stored: nested
 * steps that name no registered pipeline or form a cycle through registered names (the new revision
 * counts as registered already), file paths in `uses:` (a registered pipeline has no folder to read
 * them from), and secrets it references that are not stored: the ones it declares under `secrets:`
 * (its own or a nested pipeline's) and its webhook's `secret:`.
 */
import { formatIssue, loadNestedPipelines, parsePipelineYaml } from '@caravan/spec';
import type { Pipeline, RegisteredPipelineLookup } from '@caravan/spec';
import { ApiError } from '../server/api-error.js';
import { missingSecrets, secretScope, type StoredSecretSource } from '../secret-store/stored-secrets.js';
import type { SecretLookup } from './registered-pipelines.js';
import type { PipelineRevision } from './pipeline-store.js';

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

/** Who registers a pipeline: a token's name, and whether its role may approve code that reads stored secrets. */
export interface Registrant {
  name: string;
  role: string;
  admin: boolean;
}

/** The stored secrets a pipeline would read: its own declared ones, its nested pipelines', its webhook's. */
export function secretUses(pipeline: Pipeline, nested: readonly Pipeline[]): string[] {
  const uses: string[] = [];
  if (pipeline.secrets.length > 0) uses.push(pipeline.secrets.join(', '));
  for (const p of nested)
    if (p.secrets.length > 0) uses.push(`${p.secrets.join(', ')} of the nested pipeline "${secretScope(p)}"`);
  if (pipeline.on?.webhook) uses.push(`the webhook secret ${pipeline.on.webhook.secret}`);
  return uses;
}

/** 403 unless an admin registers a pipeline that uses stored secrets: they reach only code an admin approved. */
export function checkSecretApproval(
  pipeline: Pipeline,
  name: string,
  nested: readonly Pipeline[],
  by: Registrant,
): void {
  const uses = secretUses(pipeline, nested);
  if (uses.length === 0 || by.admin) return;
  throw new ApiError(
    403,
    'forbidden',
    `pipeline "${name}" uses stored secrets (${uses.join('; ')}): registering or changing such a pipeline needs the role admin; the token "${by.name}" is ${by.role}`,
    `ask an admin to register it (caravan pipelines add FILE --name ${name} with an admin token); a runner can then start it (caravan pipelines run ${name}), and may register pipelines that use no stored secret`,
  );
}

/**
 * The registered pipelines that declare secrets and run `name` as a nested pipeline (at any
 * depth): they may hand it their secrets (`with: { token: "${{ secrets.T }}" }`), so its code is
 * theirs to approve too.
 */
export async function secretHoldersAbove(
  name: string,
  registered: readonly PipelineRevision[],
  lookup: RegisteredPipelineLookup,
): Promise<Array<{ name: string; secrets: string[] }>> {
  const holders: Array<{ name: string; secrets: string[] }> = [];
  for (const r of registered) {
    if (r.name === name) continue;
    const parsed = parsePipelineYaml(r.source, r.file);
    if (!parsed.ok || parsed.value.secrets.length === 0 || !parsed.value.steps.some((s) => s.registered)) continue;
    const self = { ...parsed.value, registered: { name: r.name, revision: r.revision } };
    const { pipelines } = await loadNestedPipelines(self, { registered: lookup });
    // By the names steps use: a nested pipeline removed since still counts, to be registered again.
    const runs = [self, ...pipelines].some((p) => p.steps.some((s) => s.registered === name));
    if (runs) holders.push({ name: r.name, secrets: parsed.value.secrets });
  }
  return holders;
}

/** 403 unless an admin changes a pipeline that runs nested in one declaring secrets. */
export function checkNestedApproval(
  name: string,
  holders: ReadonlyArray<{ name: string; secrets: string[] }>,
  by: Registrant,
): void {
  if (holders.length === 0 || by.admin) return;
  const list = holders.map((h) => `"${h.name}" (${h.secrets.join(', ')})`).join(', ');
  throw new ApiError(
    403,
    'forbidden',
    `pipeline "${name}" runs nested in ${list}, which declare${holders.length > 1 ? '' : 's'} stored secrets and may pass them to it: changing it needs the role admin; the token "${by.name}" is ${by.role}`,
    `ask an admin to register this revision (caravan pipelines add FILE --name ${name} with an admin token), or register your code under another name`,
  );
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
