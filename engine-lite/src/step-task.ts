/**
 * Turns a step into what its executor needs, just before it starts: `with` and `env` with every
 * `${{ }}` substituted, the action's input defaults applied and required inputs checked, and the
 * agent's task context (params, declared secrets, env contract, outputs, files, timeout).
 */
import type { ActionSpec, ExprContextLike, PipelineStep, TaskContext } from './step-types.js';
import { evaluateCondition, interpolate } from '@caravan/spec';

export class StepInputError extends Error {}

function where(step: PipelineStep): string {
  return `${step.loc.file}:${step.loc.line}:${step.loc.col}: step "${step.id}"`;
}

const OUTPUT_REF = /\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*\}\}/g;

/**
 * A plain reference to an output a succeeded step does not have is an error that names both: it
 * would otherwise reach the step as an empty value (or the text "null").
 */
function checkOutputRefs(value: string, ctx: ExprContextLike, path: string, step: PipelineStep): void {
  for (const [, sid, name] of value.matchAll(OUTPUT_REF)) {
    const ref = ctx.steps?.[sid!];
    if (!ref || ref.status !== 'success' || Object.hasOwn(ref.outputs ?? {}, name!)) continue;
    const has = Object.keys(ref.outputs ?? {});
    throw new StepInputError(
      `${where(step)}: ${path}: steps.${sid}.outputs.${name}: step "${sid}" succeeded without an output "${name}" (${
        has.length ? `its outputs: ${has.join(', ')}` : 'it has no outputs'
      })`,
    );
  }
}

function substitute(value: unknown, ctx: ExprContextLike, path: string, step: PipelineStep): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${{')) return value;
    checkOutputRefs(value, ctx, path, step);
    const r = interpolate(value, ctx);
    if (!r.ok)
      throw new StepInputError(
        `${where(step)}: ${path}: ${r.error.message}${r.error.hint ? ` — ${r.error.hint}` : ''}`,
      );
    return r.value;
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, ctx, `${path}[${i}]`, step));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ctx, `${path}.${k}`, step)]));
  }
  return value;
}

export function stepParams(step: PipelineStep, spec: ActionSpec, ctx: ExprContextLike): Record<string, unknown> {
  const given = substitute(step.with ?? {}, ctx, 'with', step) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(spec.inputs ?? {})) {
    const v = given[name];
    if (v !== undefined && v !== null) out[name] = v;
    else if (input.default !== undefined) out[name] = input.default;
    else if (input.required)
      throw new StepInputError(`${where(step)}: ${spec.name} needs input "${name}": add it under with:`);
  }
  for (const [name, v] of Object.entries(given)) {
    if (!(name in out) && v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * The step's env: the pipeline's `envs`, then what the steps it depends on exported (taken as
 * is, never substituted), then its own `env:`; a later one wins, and a value overridden is not
 * substituted.
 */
export function stepEnv(
  step: PipelineStep,
  pipelineEnv: Record<string, string>,
  ctx: ExprContextLike,
  exported: Record<string, string> = {},
): Record<string, string> {
  const own = step.env ?? {};
  const out: Record<string, string> = {};
  const put = (k: string, v: unknown): void => {
    const value = substitute(v, ctx, `env.${k}`, step);
    // A value that is not there is empty, never the text "null".
    out[k] = typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value);
  };
  for (const [k, v] of Object.entries(pipelineEnv)) if (!(k in exported) && !(k in own)) put(k, v);
  for (const [k, v] of Object.entries(exported)) if (!(k in own)) out[k] = v;
  for (const [k, v] of Object.entries(own)) put(k, v);
  return out;
}

/** The step's and its action's caches, keys and paths substituted. */
export function stepCaches(
  step: PipelineStep,
  spec: ActionSpec,
  ctx: ExprContextLike,
): { key: string; path: string }[] {
  return [...(step.caches ?? []), ...(spec.caches ?? [])].map((c, i) => ({
    key: String(substitute(c.key, ctx, `caches[${i}].key`, step)),
    path: String(substitute(c.path, ctx, `caches[${i}].path`, step)),
  }));
}

/** Files the agent uploads at the end: the step's `files` and the action's `out` files, paths substituted. */
export function stepFiles(
  step: PipelineStep,
  spec: ActionSpec,
  ctx: ExprContextLike,
): { name: string; path: string }[] {
  return [
    ...(step.files ?? []).map((f, i) => ({
      name: f.name,
      path: String(substitute(f.path, ctx, `files[${i}].path`, step)),
    })),
    ...(spec.files ?? []).filter((f) => f.direction === 'out').map((f) => ({ name: f.name, path: f.path })),
  ];
}

/** Whether the step should run; throws StepInputError for an `if` that cannot be evaluated. */
export function shouldRun(step: PipelineStep, ctx: ExprContextLike): boolean {
  if (step.if === undefined || step.if === '') return ctx.status ? ctx.status.success && !ctx.status.cancelled : true;
  const r = evaluateCondition(step.if, ctx);
  if (!r.ok)
    throw new StepInputError(`${where(step)}: if: ${r.error.message}${r.error.hint ? ` — ${r.error.hint}` : ''}`);
  return r.value;
}

export interface TaskContextInput {
  files: { name: string; path: string }[];
  taskId: string;
  runId: string;
  step: PipelineStep;
  spec: ActionSpec;
  /** The action's unpacked folder, given to the action as `CARAVAN_ACTION_DIR`. */
  actionDir: string;
  params: Record<string, unknown>;
  env: Record<string, string>;
  secrets: Record<string, string>;
  workspace: string;
  timeoutSeconds?: number;
  graceSeconds: number;
  /** Folders the steps it depends on added to PATH, folded (ResolvedInputs.prependPath). */
  prependPath?: string[];
}

export function taskContext(i: TaskContextInput): TaskContext {
  return {
    taskId: i.taskId,
    runId: i.runId,
    stepId: i.step.id,
    secrets: i.secrets,
    params: i.params,
    env: { ...i.env, CARAVAN_ACTION_DIR: i.actionDir },
    watch: [],
    files: i.files,
    workdir: i.workspace,
    outputs: i.spec.outputs,
    ...(i.spec.dynamicOutputs ? { dynamicOutputs: true } : {}),
    ...(i.timeoutSeconds !== undefined ? { timeoutSeconds: i.timeoutSeconds } : {}),
    graceSeconds: i.graceSeconds,
    ...(i.prependPath?.length ? { prependPath: i.prependPath } : {}),
  };
}
