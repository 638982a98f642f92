/**
 * Checks of a pipeline against the actions its steps use, once they are resolved: required inputs
 * given, `with` keys the action knows, literal values within an input's `enum`, and outputs read
 * by later steps declared by the action that sets them. A pipeline alone cannot know any of this.
 */
import type { ActionSpec } from './action-types.js';
import { suggestion } from './did-you-mean.js';
import type { SpecIssue } from './issues.js';
import { SHELL_ACTION } from './pipeline-steps.js';
import type { Pipeline, PipelineStep, SourceLocation } from './pipeline-types.js';

const SHELL_ACTION_NAME = SHELL_ACTION.slice(0, SHELL_ACTION.indexOf('@'));

export interface ActionUsageIssues {
  errors: SpecIssue[];
  warnings: SpecIssue[];
}

/** `specs` maps step ids to their resolved actions; steps missing from it are not checked. */
export function checkActionUsage(pipeline: Pipeline, specs: ReadonlyMap<string, ActionSpec>): ActionUsageIssues {
  const out: ActionUsageIssues = { errors: [], warnings: [] };
  for (const step of pipeline.steps) {
    const spec = specs.get(step.id);
    if (spec) checkInputs(step, spec, out);
  }
  for (const ref of pipeline.outputRefs ?? []) {
    const spec = specs.get(ref.step);
    // a shell step's outputs are whatever its script writes: nothing to check them against
    if (!spec || ref.output in spec.outputs || spec.name === SHELL_ACTION_NAME) continue;
    const declared = Object.keys(spec.outputs);
    out.warnings.push(
      issue('warning', ref.loc, `steps.${ref.step}.outputs.${ref.output}: ${spec.name} declares no output "${ref.output}"; it reads as an empty string unless the action sets it anyway`,
        declared.length > 0 ? suggestion(ref.output, declared) : `${spec.name} declares no outputs`, `steps.${ref.from}`),
    );
  }
  return out;
}

function checkInputs(step: PipelineStep, spec: ActionSpec, out: ActionUsageIssues): void {
  const declared = Object.keys(spec.inputs);
  const at = (key: string): SourceLocation => step.withLocs?.[key] ?? step.loc;
  for (const [name, input] of Object.entries(spec.inputs)) {
    const given = step.with[name];
    if ((given === undefined || given === null) && input.default === undefined && input.required) {
      out.errors.push(issue('error', step.loc, `step "${step.id}": ${spec.name} needs input "${name}"`, `add it under with:${input.description ? ` (${input.description})` : ''}`, `steps.${step.id}.with`));
      continue;
    }
    if (given === undefined) continue;
    if (input.deprecationMessage) out.warnings.push(issue('warning', at(name), `step "${step.id}": input "${name}" of ${spec.name} is deprecated: ${input.deprecationMessage}`, undefined, `steps.${step.id}.with.${name}`));
    if (input.enum && isLiteral(given) && !input.enum.some((v) => String(v) === String(given))) {
      out.errors.push(issue('error', at(name), `step "${step.id}": input "${name}" of ${spec.name} must be one of ${input.enum.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(given)}`, undefined, `steps.${step.id}.with.${name}`));
    }
  }
  for (const name of Object.keys(step.with)) {
    if (name in spec.inputs) continue;
    const hint = declared.length > 0 ? suggestion(name, declared) : `${spec.name} declares no inputs`;
    out.warnings.push(issue('warning', at(name), `step "${step.id}": ${spec.name} has no input "${name}"; the action gets it as INPUT_${name.toUpperCase().replace(/[-.]/g, '_')} but is unlikely to read it`, hint, `steps.${step.id}.with.${name}`));
  }
}

/** A value written out in the file, not computed by `${{ }}` at run time. */
function isLiteral(value: unknown): boolean {
  return (typeof value === 'string' && !value.includes('${{')) || typeof value === 'number' || typeof value === 'boolean';
}

function issue(severity: SpecIssue['severity'], loc: SourceLocation, message: string, hint: string | undefined, key: string): SpecIssue {
  return { severity, file: loc.file, line: loc.line, col: loc.col, key, message, ...(hint ? { hint } : {}) };
}
