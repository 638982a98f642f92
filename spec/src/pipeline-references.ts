/** Static checks of the `${{ }}` expressions in a pipeline: syntax, and what each one reads. */
import { closest, suggestion } from './did-you-mean.js';
import type { ExprError } from './expr/ast.js';
import { parseCondition } from './expr/condition.js';
import { parseExpression } from './expr/parser.js';
import { listConditionReferences, listReferences, type Reference } from './expr/references.js';
import { splitTemplate } from './expr/template.js';
import type { SpecIssue } from './issues.js';
import type { OutputReference } from './pipeline-types.js';
import { formatPath, issueAt, type DataPath, type YamlSource } from './yaml-source.js';

export interface ReferenceScope {
  params: ReadonlySet<string>;
  secrets: ReadonlySet<string>;
  /** Whether the pipeline has `on.webhook`, the only thing that fills `event`. */
  webhook?: boolean;
  stepIds: ReadonlySet<string>;
  /** The step whose fields are checked; undefined for pipeline-level `envs`. */
  stepId?: string;
  /** Steps the current step depends on, directly or not. */
  ancestors: ReadonlySet<string>;
  /** The pipeline's `outputs:`, read once every step has ended: any step may be read. */
  pipelineOutputs?: boolean;
}

const STEP_FIELDS = ['outputs', 'files', 'status'];

export class ReferenceChecker {
  readonly errors: SpecIssue[] = [];
  readonly warnings: SpecIssue[] = [];
  /** Outputs of one step read by another, once the step references are known to be valid. */
  readonly outputRefs: OutputReference[] = [];

  constructor(private readonly source: YamlSource) {}

  /** Every string inside `value` (recursively) as a template. */
  checkTemplates(value: unknown, path: DataPath, scope: ReferenceScope): void {
    if (typeof value === 'string') {
      this.checkTemplate(value, path, scope);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => this.checkTemplates(item, [...path, i], scope));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) this.checkTemplates(item, [...path, key], scope);
    }
  }

  checkCondition(condition: string, path: DataPath, scope: ReferenceScope): void {
    const parsed = parseCondition(condition);
    if (!parsed.ok) {
      this.expressionError(parsed.error, condition, path);
      return;
    }
    for (const ref of listConditionReferences(condition)) this.checkReference(ref, condition, path, scope);
  }

  private checkTemplate(template: string, path: DataPath, scope: ReferenceScope): void {
    if (!template.includes('${{')) return;
    const split = splitTemplate(template);
    if (!split.ok) {
      this.expressionError(split.error, template, path);
      return;
    }
    for (const part of split.parts) {
      if (part.kind !== 'expr') continue;
      const parsed = parseExpression(part.source);
      if (!parsed.ok)
        this.expressionError({ ...parsed.error, offset: parsed.error.offset + part.offset }, template, path);
    }
    for (const ref of listReferences(template)) this.checkReference(ref, template, path, scope);
  }

  private checkReference(ref: Reference, text: string, path: DataPath, scope: ReferenceScope): void {
    const fail = (message: string, hint?: string) => this.report('error', message, hint, text, ref.offset, path);
    const [first, second] = ref.path;
    switch (ref.context) {
      case 'params':
        if (first !== undefined && !scope.params.has(first)) {
          fail(
            `unknown param "${first}"`,
            closest(first, scope.params)
              ? suggestion(first, [...scope.params])
              : `declare it under params: (${scope.params.size > 0 ? `declared: ${[...scope.params].join(', ')}` : 'none declared'})`,
          );
        }
        return;
      case 'secrets':
        if (first !== undefined && !scope.secrets.has(first)) {
          this.report(
            'warning',
            `secret "${first}" is not listed under secrets:`,
            'add its name to secrets: so the engine knows to provide it',
            text,
            ref.offset,
            path,
          );
        }
        return;
      case 'event':
        if (!scope.webhook)
          this.report(
            'warning',
            '"event" is empty: only a webhook delivery fills it, and this pipeline has no on.webhook',
            'add on: { webhook: { secret: NAME } }, or read a param instead',
            text,
            ref.offset,
            path,
          );
        return;
      case 'run':
        if (first !== undefined && first !== 'id') fail(`unknown field "run.${first}"`, 'valid: run.id');
        return;
      case 'steps':
      case 'outputs':
      case 'dirs':
        if (first === undefined) return;
        if (!this.checkStep(first, ref, scope, fail)) return;
        if (ref.context === 'steps' && second !== undefined && !STEP_FIELDS.includes(second)) {
          fail(`unknown field "${second}" of step "${first}"`, suggestion(second, STEP_FIELDS));
          return;
        }
        this.noteOutput(ref, text, path, scope);
        return;
      default:
        return;
    }
  }

  private noteOutput(ref: Reference, text: string, path: DataPath, scope: ReferenceScope): void {
    const [step, field, name] = ref.path;
    const output =
      ref.context === 'steps' && field === 'outputs' ? name : ref.context === 'outputs' ? field : undefined;
    if (step === undefined || output === undefined || scope.stepId === undefined) return;
    const { line, col } = locateInString(this.source, path, text, ref.offset);
    this.outputRefs.push({ from: scope.stepId, step, output, loc: { file: this.source.file, line, col } });
  }

  /** Whether a step reference is readable from where it is used. */
  private checkStep(
    id: string,
    ref: Reference,
    scope: ReferenceScope,
    fail: (message: string, hint?: string) => void,
  ): boolean {
    const written = `${ref.context}.${id}`;
    if (scope.stepId === undefined && !scope.pipelineOutputs) {
      fail(
        `${written}: pipeline envs cannot read step results`,
        'move the value into the env of the step that needs it',
      );
      return false;
    }
    if (!scope.stepIds.has(id)) {
      const near = closest(id, scope.stepIds);
      fail(
        `${written}: there is no step "${id}"`,
        near ? `did you mean "${near}"?` : 'reference the id of an earlier step',
      );
      return false;
    }
    if (id === scope.stepId) {
      fail(`${written}: step "${id}" cannot read its own results`, 'read them in a later step');
      return false;
    }
    if (!scope.pipelineOutputs && !scope.ancestors.has(id)) {
      fail(
        `${written}: step "${id}" does not run before step "${scope.stepId}" (it runs later or in parallel)`,
        `add "${id}" to the needs of "${scope.stepId}", or put "${scope.stepId}" in a later stage`,
      );
      return false;
    }
    return true;
  }

  private expressionError(error: ExprError, text: string, path: DataPath): void {
    this.report('error', `invalid expression: ${error.message}`, error.hint, text, error.offset, path);
  }

  private report(
    severity: 'error' | 'warning',
    message: string,
    hint: string | undefined,
    text: string,
    offset: number,
    path: DataPath,
  ): void {
    const { line, col } = locateInString(this.source, path, text, offset);
    const issue = { ...issueAt(this.source.file, line, col, message, hint, formatPath(path)), severity };
    (severity === 'error' ? this.errors : this.warnings).push(issue);
  }
}

/**
 * Where character `offset` of the string value at `path` is in the file. Exact for plain and
 * simply quoted scalars and for block scalars line by line; else the start of the value.
 */
export function locateInString(
  source: YamlSource,
  path: DataPath,
  value: string,
  offset: number,
): { line: number; col: number } {
  const node = source.nodeAt(path);
  const raw = source.rawText(path);
  const start = node?.range?.[0];
  if (raw === undefined || start === undefined) return source.locate(path);
  const whole = raw.indexOf(value);
  if (whole >= 0) return source.position(start + whole + offset);
  const lineStart = value.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = value.indexOf('\n', offset);
  const lineText = value.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  const at = lineText.length > 0 ? raw.indexOf(lineText) : -1;
  if (at >= 0) return source.position(start + at + (offset - lineStart));
  return source.position(start);
}
