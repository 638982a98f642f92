/**
 * Checks of a pipeline against the actions its steps use, once they are resolved: required inputs
 * given, `with` keys the action knows, literal values within an input's `enum`, and outputs read
 * by later steps declared by the action that sets them. A pipeline alone cannot know any of this.
 */
import type { ActionSpec } from './action-types.js';
import { suggestion } from './did-you-mean.js';
import type { SpecIssue } from './issues.js';
import type { Pipeline, PipelineStep, SourceLocation } from './pipeline-types.js';

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
    if (!spec || ref.output in spec.outputs || spec.dynamicOutputs) continue;
    const declared = Object.keys(spec.outputs);
    out.warnings.push(
      issue(
        'warning',
        ref.loc,
        `steps.${ref.step}.outputs.${ref.output}: ${spec.name} declares no output "${ref.output}"; it reads as an empty string unless the action sets it anyway`,
        declared.length > 0 ? suggestion(ref.output, declared) : `${spec.name} declares no outputs`,
        `steps.${ref.from}`,
      ),
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
      out.errors.push(
        issue(
          'error',
          step.loc,
          `step "${step.id}": ${spec.name} needs input "${name}"`,
          `add it under with:${input.description ? ` (${input.description})` : ''}`,
          `steps.${step.id}.with`,
        ),
      );
      continue;
    }
    if (given === undefined) continue;
    if (input.deprecationMessage)
      out.warnings.push(
        issue(
          'warning',
          at(name),
          `step "${step.id}": input "${name}" of ${spec.name} is deprecated: ${input.deprecationMessage}`,
          undefined,
          `steps.${step.id}.with.${name}`,
        ),
      );
    const mismatch = isLiteral(given) || typeof given === 'object' ? typeMismatch(input.type, given) : undefined;
    if (mismatch) {
      out.warnings.push(
        issue(
          'warning',
          at(name),
          `step "${step.id}": input "${name}" of ${spec.name} is a ${input.type}, got ${mismatch}`,
          undefined,
          `steps.${step.id}.with.${name}`,
        ),
      );
    }
    if (input.enum && isLiteral(given) && !input.enum.some((v) => String(v) === String(given))) {
      out.errors.push(
        issue(
          'error',
          at(name),
          `step "${step.id}": input "${name}" of ${spec.name} must be one of ${input.enum.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(given)}`,
          undefined,
          `steps.${step.id}.with.${name}`,
        ),
      );
    }
  }
  for (const name of Object.keys(step.with)) {
    if (name in spec.inputs) continue;
    const hint = declared.length > 0 ? suggestion(name, declared) : `${spec.name} declares no inputs`;
    out.warnings.push(
      issue(
        'warning',
        at(name),
        `step "${step.id}": ${spec.name} has no input "${name}"; the action gets it as INPUT_${name.toUpperCase().replace(/[-.]/g, '_')} but is unlikely to read it`,
        hint,
        `steps.${step.id}.with.${name}`,
      ),
    );
  }
}

/** What is wrong with a literal for an input of `type`, or undefined (strings may hold anything). */
function typeMismatch(type: ActionSpec['inputs'][string]['type'], value: unknown): string | undefined {
  const shown = JSON.stringify(value)?.slice(0, 60) ?? String(value);
  switch (type) {
    case 'number':
      return typeof value === 'number' ||
        (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
        ? undefined
        : shown;
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : shown;
    case 'string[]':
      return Array.isArray(value) || typeof value === 'string' ? undefined : shown;
    case 'object':
      return (typeof value === 'object' && value !== null && !Array.isArray(value)) || typeof value === 'string'
        ? undefined
        : shown;
    default:
      return typeof value === 'object' && value !== null ? shown : undefined;
  }
}

/** A value written out in the file, not computed by `${{ }}` at run time. */
function isLiteral(value: unknown): boolean {
  return (
    (typeof value === 'string' && !value.includes('${{')) || typeof value === 'number' || typeof value === 'boolean'
  );
}

function issue(
  severity: SpecIssue['severity'],
  loc: SourceLocation,
  message: string,
  hint: string | undefined,
  key: string,
): SpecIssue {
  return { severity, file: loc.file, line: loc.line, col: loc.col, key, message, ...(hint ? { hint } : {}) };
}
