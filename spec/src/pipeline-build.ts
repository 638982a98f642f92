/** Turns a validated pipeline.yml into the Pipeline the engine runs. */
import { basename, extname } from 'node:path';
import { parseUses } from './action-name.js';
import type { CacheDecl } from './action-types.js';
import { parseDuration } from './duration.js';
import {
  fieldPath,
  isNestedFileUses,
  isNestedUses,
  NESTED_ACTION,
  NESTED_EXECUTOR,
  SHELL_ACTION,
  type StepEntry,
} from './pipeline-steps.js';
import { buildTriggers } from './pipeline-triggers.js';
import type { Pipeline, PipelineParam, PipelineStep, RetryPolicy, SourceLocation, StepFile } from './pipeline-types.js';
import { asList, asRecord, isRecord, type Raw } from './records.js';
import type { YamlSource } from './yaml-source.js';

export const DEFAULT_RETRY: Omit<RetryPolicy, 'count'> = { backoffSeconds: 10, factor: 2, maxSeconds: 300 };

export function buildPipeline(
  data: Raw,
  steps: StepEntry[],
  needs: Map<string, string[]>,
  source: YamlSource,
): Pipeline {
  const params: Record<string, PipelineParam> = {};
  for (const [name, raw] of Object.entries(asRecord(data.params))) {
    const p = asRecord(raw);
    const param: PipelineParam = { type: (p.type as PipelineParam['type'] | undefined) ?? 'string' };
    if (p.default !== undefined) param.default = p.default as PipelineParam['default'];
    if (typeof p.required === 'boolean') param.required = p.required;
    if (typeof p.description === 'string') param.description = p.description;
    const at = source.locate(['params', name], 'key');
    param.loc = { file: source.file, line: at.line, col: at.col };
    params[name] = param;
  }
  const built = steps.map((s) => buildStep(s, needs.get(s.id) ?? [], source));
  built.sort((a, b) => a.loc.line - b.loc.line || a.loc.col - b.loc.col);
  return {
    version: String(data.version),
    name: typeof data.name === 'string' ? data.name : basename(source.file, extname(source.file)),
    priority: typeof data.priority === 'number' ? data.priority : 0,
    ...concurrencyOf(data.concurrency),
    ...triggersOf(data, source),
    params,
    envs: stringMap(data.envs),
    secrets: Array.isArray(data.secrets) ? data.secrets.map(String) : [],
    steps: built,
    file: source.file,
    ...(isRecord(data.outputs) ? { outputs: stringMap(data.outputs) } : {}),
  };
}

function triggersOf(data: Raw, source: YamlSource): { on?: Pipeline['on'] } {
  const on = buildTriggers(data, source);
  return on ? { on } : {};
}

function concurrencyOf(raw: unknown): { concurrency?: Pipeline['concurrency'] } {
  const c = asRecord(raw);
  if (typeof c.group !== 'string') return {};
  return {
    concurrency: {
      group: c.group,
      cancelInProgress: c.cancelInProgress === true,
      ...(c.skipIfBusy === true ? { skipIfBusy: true } : {}),
    },
  };
}

function buildStep({ id, raw }: StepEntry, needs: string[], source: YamlSource): PipelineStep {
  const s = raw.step;
  const isRun = typeof s.run === 'string';
  const uses = isRun ? SHELL_ACTION : String(s.uses);
  const nested = isNestedUses(uses);
  const parsed = parseUses(nested ? NESTED_ACTION : uses);
  const at = source.locate(raw.path);
  const step: PipelineStep = {
    id,
    uses,
    action: parsed.ok ? { name: parsed.name, range: parsed.range } : { name: uses, range: '*' },
    ...(nested ? (isNestedFileUses(uses) ? { pipeline: uses } : { registered: uses }) : {}),
    with: isRun ? { ...asRecord(s.with), run: s.run } : { ...asRecord(s.with) },
    env: stringMap(s.env),
    priority: typeof s.priority === 'number' ? s.priority : 0,
    files: asList(s.files).map(
      (f) => ({ name: String(asRecord(f).name), path: String(asRecord(f).path) }) satisfies StepFile,
    ),
    caches: asList(s.caches).map(
      (c) => ({ key: String(asRecord(c).key), path: String(asRecord(c).path) }) satisfies CacheDecl,
    ),
    needs,
    loc: { file: source.file, line: at.line, col: at.col },
    withLocs: withLocations(raw, isRun, source),
  };
  if (s.if !== undefined) step.if = String(s.if);
  const timeout = parseDuration(s.timeout);
  if (timeout !== undefined) step.timeout = timeout;
  const retry = retryPolicy(s.retry);
  if (retry) step.retry = retry;
  if (typeof s.executor === 'string') step.executor = s.executor;
  if (nested) step.executor = NESTED_EXECUTOR;
  if (typeof s.image === 'string') step.image = s.image;
  if (raw.stage !== undefined) step.stage = raw.stage;
  return step;
}

function withLocations(raw: StepEntry['raw'], isRun: boolean, source: YamlSource): Record<string, SourceLocation> {
  const locs: Record<string, SourceLocation> = {};
  for (const key of Object.keys(asRecord(raw.step.with))) {
    const at = source.locate([...fieldPath(raw, 'with'), key], 'key');
    locs[key] = { file: source.file, line: at.line, col: at.col };
  }
  if (isRun) {
    const at = source.locate(fieldPath(raw, 'run'));
    locs.run = { file: source.file, line: at.line, col: at.col };
  }
  return locs;
}

function retryPolicy(value: unknown): RetryPolicy | undefined {
  if (typeof value === 'number') return { count: value, ...DEFAULT_RETRY };
  if (!isRecord(value) || typeof value.count !== 'number') return undefined;
  return {
    count: value.count,
    backoffSeconds: parseDuration(value.backoff) ?? DEFAULT_RETRY.backoffSeconds,
    factor: typeof value.factor === 'number' ? value.factor : DEFAULT_RETRY.factor,
    maxSeconds: parseDuration(value.max) ?? DEFAULT_RETRY.maxSeconds,
  };
}

function stringMap(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(asRecord(value)).map(([k, v]) => [k, String(v)]));
}
