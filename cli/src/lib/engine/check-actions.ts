/**
 * `caravan pipeline lint`'s second half: resolves the actions a pipeline uses (built-ins always,
 * others through the registry when one is given) and checks the steps against them.
 */
import {
  checkActionUsage,
  type ActionSpec,
  type ActionUsageIssues,
  type ParseResult,
  type Pipeline,
  type SpecIssue,
} from '@caravan/spec';
import { byPosition } from '@caravan/spec';
import { RegistryActionSource } from '@caravan/engine';
import { builtinActionsDir, DefaultActionResolver } from '@caravan/engine';

export interface ActionCheckOptions {
  registry?: { url: string; token?: string };
  /** Check only the steps that use built-in actions; say nothing of the others. */
  offline?: boolean;
}

export async function checkPipelineActions(
  pipeline: Pipeline,
  { registry, offline }: ActionCheckOptions,
): Promise<ActionUsageIssues> {
  const resolver = new DefaultActionResolver(
    builtinActionsDir(),
    registry ? new RegistryActionSource(registry.url, registry.token) : undefined,
  );
  const specs = new Map<string, ActionSpec>();
  const unresolved: ActionUsageIssues = { errors: [], warnings: [] };
  for (const step of pipeline.steps) {
    // A nested pipeline is no action: its file is checked when the pipeline is loaded.
    if (step.pipeline || step.registered || (offline && !step.action.name.startsWith('caravan/'))) continue;
    try {
      specs.set(step.id, (await resolver.resolve(step.action.name, step.action.range)).spec);
    } catch (err) {
      const builtin = step.action.name.startsWith('caravan/');
      const issue: SpecIssue = {
        severity: builtin ? 'error' : 'warning',
        file: step.loc.file,
        line: step.loc.line,
        col: step.loc.col,
        key: `steps.${step.id}.uses`,
        message: `step "${step.id}": ${step.uses}: ${(err as Error).message}`,
        ...(builtin
          ? {}
          : { hint: 'its inputs and outputs were not checked; `caravan run` stops on an action it cannot resolve' }),
      };
      (builtin ? unresolved.errors : unresolved.warnings).push(issue);
    }
  }
  const usage = checkActionUsage(pipeline, specs);
  return { errors: [...unresolved.errors, ...usage.errors], warnings: [...unresolved.warnings, ...usage.warnings] };
}

/** A parsed pipeline with the action checks added: their errors fail it, their warnings join its own. */
export async function withActionChecks(
  parsed: ParseResult<Pipeline>,
  options: ActionCheckOptions,
): Promise<ParseResult<Pipeline>> {
  if (!parsed.ok) return parsed;
  const usage = await checkPipelineActions(parsed.value, options);
  const warnings = [...parsed.warnings, ...usage.warnings].sort(byPosition);
  return usage.errors.length > 0
    ? { ok: false, errors: usage.errors.sort(byPosition), warnings }
    : { ...parsed, warnings };
}
