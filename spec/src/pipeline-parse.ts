/** Parses and validates `pipeline.yml`. */
import type { ParseResult } from './issues.js';
import { buildPipeline } from './pipeline-build.js';
import { checkTriggers } from './pipeline-triggers.js';
import { checkCycles, checkDurations, checkParams, checkUses, resolveNeeds, uniqueSteps } from './pipeline-checks.js';
import { ancestors } from './pipeline-graph.js';
import { ReferenceChecker, type ReferenceScope } from './pipeline-references.js';
import { collectSteps, fieldPath } from './pipeline-steps.js';
import type { Pipeline } from './pipeline-types.js';
import { loadNestedPipelines, type NestingOptions } from './pipeline-nesting.js';
import { readSpecFile } from './read-spec-file.js';
import { isRecord } from './records.js';
import { schemaIssues } from './schema-issues.js';
import { validatorFor } from './schemas.js';
import { byPosition, capIssues, issueAt, loadYaml } from './yaml-source.js';

export { DEFAULT_RETRY } from './pipeline-build.js';
export { SHELL_ACTION } from './pipeline-steps.js';

/** Far above any real pipeline; it bounds the cost of the graph checks on hostile input. */
export const MAX_STEPS = 1000;

export function parsePipelineYaml(text: string, file: string): ParseResult<Pipeline> {
  const loaded = loadYaml(text, file);
  if (!loaded.ok) return { ok: false, errors: loaded.errors, warnings: capIssues(loaded.warnings) };
  const { source } = loaded;
  const errors = schemaIssues(validatorFor('pipeline'), source);
  const warnings = [...loaded.warnings];
  const data = isRecord(source.data) ? source.data : {};

  checkParams(data.params, source, errors);
  checkTriggers(data, source, errors);
  const raws = collectSteps(data).filter((r) => typeof r.step.id === 'string');
  const tooMany = raws[MAX_STEPS];
  if (tooMany) {
    const at = source.locate(tooMany.path);
    errors.push(
      issueAt(
        source.file,
        at.line,
        at.col,
        `a pipeline has at most ${MAX_STEPS} steps; this file has ${raws.length}`,
        'split it into several pipelines',
      ),
    );
    return { ok: false, errors: capIssues(errors.sort(byPosition)), warnings: capIssues(warnings) };
  }
  checkDurations(raws, source, errors);
  const steps = uniqueSteps(raws, source, errors);
  const needs = resolveNeeds(steps, source, errors);
  checkCycles(steps, needs, source, errors);
  checkUses(steps, source, errors, warnings);

  const checker = new ReferenceChecker(source);
  const params = new Set(isRecord(data.params) ? Object.keys(data.params) : []);
  const secrets = new Set(
    Array.isArray(data.secrets) ? data.secrets.filter((s): s is string => typeof s === 'string') : [],
  );
  const stepIds = new Set(steps.map((s) => s.id));
  const webhook = isRecord(data.on) && data.on.webhook !== undefined;
  const before = ancestors(needs);
  checker.checkTemplates(data.envs, ['envs'], { params, secrets, webhook, stepIds, ancestors: new Set() });
  checker.checkTemplates(data.outputs, ['outputs'], {
    params,
    secrets,
    stepIds,
    ancestors: stepIds,
    pipelineOutputs: true,
  });
  // The group is decided before any step runs: params only.
  checker.checkTemplates(isRecord(data.concurrency) ? data.concurrency.group : undefined, ['concurrency', 'group'], {
    params,
    secrets: new Set(),
    stepIds: new Set(),
    ancestors: new Set(),
  });
  for (const step of steps) {
    const scope: ReferenceScope = {
      params,
      secrets,
      webhook,
      stepIds,
      stepId: step.id,
      ancestors: before.get(step.id) ?? new Set(),
    };
    const { raw } = step;
    if (raw.erdaType) {
      checker.checkTemplates(raw.step.with, [...raw.path, raw.erdaType, 'params'], scope);
    } else {
      checker.checkTemplates(raw.step.with, [...raw.path, 'with'], scope);
      checker.checkTemplates(raw.step.run, [...raw.path, 'run'], scope);
    }
    checker.checkTemplates(raw.step.env, [...raw.path, 'env'], scope);
    checker.checkTemplates(raw.step.image, fieldPath(raw, 'image'), scope);
    checker.checkTemplates(raw.step.caches, fieldPath(raw, 'caches'), scope);
    checker.checkTemplates(raw.step.files, fieldPath(raw, 'files'), scope);
    if (typeof raw.step.if === 'string') checker.checkCondition(raw.step.if, fieldPath(raw, 'if'), scope);
  }
  errors.push(...checker.errors);
  warnings.push(...checker.warnings);
  errors.sort(byPosition);
  warnings.sort(byPosition);
  if (errors.length > 0) return { ok: false, errors: capIssues(errors), warnings: capIssues(warnings) };
  return {
    ok: true,
    value: { ...buildPipeline(data, steps, needs, source), outputRefs: checker.outputRefs },
    warnings: capIssues(warnings),
  };
}

/**
 * Parses the file and checks the pipelines it runs as nested steps (pipeline-nesting.ts; registered
 * ones through `nesting.registered`).
 */
export async function loadPipelineFile(path: string, nesting: NestingOptions = {}): Promise<ParseResult<Pipeline>> {
  const read = await readSpecFile(path, 'pipeline', 'pass the path of a pipeline.yml file');
  if (!read.ok) return { ok: false, errors: [read.error], warnings: [] };
  const parsed = parsePipelineYaml(read.text, path);
  if (!parsed.ok || !parsed.value.steps.some((s) => s.pipeline || s.registered)) return parsed;
  const nested = await loadNestedPipelines(parsed.value, nesting);
  const warnings = capIssues([...parsed.warnings, ...nested.warnings]);
  return nested.errors.length > 0 ? { ok: false, errors: capIssues(nested.errors), warnings } : { ...parsed, warnings };
}
