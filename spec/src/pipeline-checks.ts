/** Rules of pipeline.yml that a JSON Schema cannot state: unique ids, needs, cycles, ranges, param defaults. */
import { parseUses } from './action-name.js';
import { closest } from './did-you-mean.js';
import { checkDurationLimit } from './duration.js';
import type { SpecIssue } from './issues.js';
import { findCycles } from './pipeline-graph.js';
import { fieldPath, type RawStep, type StepEntry } from './pipeline-steps.js';
import { asRecord, isRecord } from './records.js';
import { formatPath, issueAt, type YamlSource } from './yaml-source.js';

export function checkParams(params: unknown, source: YamlSource, errors: SpecIssue[]): void {
  for (const [name, param] of Object.entries(asRecord(params))) {
    if (!isRecord(param) || param.default === undefined || typeof param.default === 'object') continue;
    const type = typeof param.type === 'string' ? param.type : 'string';
    if (!['string', 'number', 'boolean'].includes(type) || typeof param.default === type) continue;
    const path = ['params', name, 'default'];
    const at = source.locate(path);
    const hint =
      type === 'string'
        ? `quote it: "${String(param.default)}"`
        : `write a ${type}, or set type: ${typeof param.default}`;
    errors.push(
      issueAt(
        source.file,
        at.line,
        at.col,
        `default ${JSON.stringify(param.default)} of param "${name}" is not a ${type}`,
        hint,
        formatPath(path),
      ),
    );
  }
}

/** Timeouts and retry waits no longer than a week (the schema checks their form). */
export function checkDurations(raws: RawStep[], source: YamlSource, errors: SpecIssue[]): void {
  for (const raw of raws) {
    checkDurationLimit(raw.step.timeout, fieldPath(raw, 'timeout'), source, errors);
    if (!isRecord(raw.step.retry)) continue;
    for (const field of ['backoff', 'max'])
      checkDurationLimit(raw.step.retry[field], [...fieldPath(raw, 'retry'), field], source, errors);
  }
}

export function uniqueSteps(raws: RawStep[], source: YamlSource, errors: SpecIssue[]): StepEntry[] {
  const seen = new Map<string, RawStep>();
  const steps: StepEntry[] = [];
  for (const raw of raws) {
    const id = raw.step.id as string;
    const first = seen.get(id);
    if (first) {
      const at = source.locate(fieldPath(raw, 'id'));
      const firstAt = source.locate(fieldPath(first, 'id'));
      errors.push(
        issueAt(
          source.file,
          at.line,
          at.col,
          `duplicate step id "${id}" (first used at line ${firstAt.line})`,
          'give every step its own id',
          formatPath(fieldPath(raw, 'id')),
        ),
      );
      continue;
    }
    seen.set(id, raw);
    steps.push({ id, raw });
  }
  return steps;
}

/** Explicit needs plus every step of the previous stage; unknown needs are reported and dropped. */
export function resolveNeeds(steps: StepEntry[], source: YamlSource, errors: SpecIssue[]): Map<string, string[]> {
  const ids = new Set(steps.map((s) => s.id));
  const byStage = new Map<number, string[]>();
  for (const { id, raw } of steps)
    if (raw.stage !== undefined) byStage.set(raw.stage, [...(byStage.get(raw.stage) ?? []), id]);
  const stages = [...byStage.keys()].sort((a, b) => a - b);
  const needs = new Map<string, string[]>();
  for (const step of steps) {
    const list = new Set<string>();
    const explicit = Array.isArray(step.raw.step.needs) ? step.raw.step.needs : [];
    explicit.forEach((need, i) => {
      if (typeof need !== 'string') return;
      if (ids.has(need)) {
        list.add(need);
        return;
      }
      const path = [...step.raw.path, 'needs', i];
      const at = source.locate(path);
      const near = closest(need, ids);
      errors.push(
        issueAt(
          source.file,
          at.line,
          at.col,
          `needs "${need}": there is no step "${need}"`,
          near ? `did you mean "${near}"?` : `steps: ${listSome([...ids])}`,
          formatPath(path),
        ),
      );
    });
    const stage = step.raw.stage;
    const previous = stage === undefined ? undefined : stages[stages.indexOf(stage) - 1];
    if (previous !== undefined) for (const id of byStage.get(previous) ?? []) list.add(id);
    needs.set(step.id, [...list]);
  }
  return needs;
}

function listSome(items: string[]): string {
  return items.length > 10 ? `${items.slice(0, 10).join(', ')}, … (${items.length} in all)` : items.join(', ');
}

export function checkCycles(
  steps: StepEntry[],
  needs: Map<string, string[]>,
  source: YamlSource,
  errors: SpecIssue[],
): void {
  const order = steps.map((s) => s.id);
  const byId = new Map(steps.map((s) => [s.id, s]));
  for (const cycle of findCycles(order, needs)) {
    const first = byId.get(cycle[0] as string) as StepEntry;
    const explicit = Array.isArray(first.raw.step.needs) ? first.raw.step.needs : [];
    const index = explicit.indexOf(cycle[1]);
    const path = index >= 0 ? [...first.raw.path, 'needs', index] : fieldPath(first.raw, 'id');
    const at = source.locate(path);
    const hint =
      cycle.length === 2
        ? `remove "${cycle[0]}" from its own needs`
        : 'remove one of these needs, or move a step to another stage';
    errors.push(
      issueAt(source.file, at.line, at.col, `needs form a cycle: ${showCycle(cycle)}`, hint, formatPath(path)),
    );
  }
}

/** `a → b → a`; a long cycle shows its first and last steps, so the message stays one readable line. */
function showCycle(cycle: string[]): string {
  if (cycle.length <= 12) return cycle.join(' → ');
  const hidden = cycle.length - 9;
  return [...cycle.slice(0, 6), `… (${hidden} more steps)`, ...cycle.slice(-3)].join(' → ');
}

export function checkUses(steps: StepEntry[], source: YamlSource, errors: SpecIssue[], warnings: SpecIssue[]): void {
  for (const { raw } of steps) {
    const { step } = raw;
    if (typeof step.uses === 'string') {
      const parsed = parseUses(step.uses);
      // The schema already reports a malformed name; only the range needs semver here.
      if (!parsed.ok && parsed.part === 'range' && step.uses.includes('@')) {
        const path = raw.erdaType ? [...raw.path, raw.erdaType, 'version'] : [...raw.path, 'uses'];
        const at = source.locate(path);
        errors.push(issueAt(source.file, at.line, at.col, parsed.message, parsed.hint, formatPath(path)));
      }
    }
    if (typeof step.run === 'string' && isRecord(step.with) && 'run' in step.with) {
      const at = source.locate([...raw.path, 'with', 'run'], 'key');
      errors.push(
        issueAt(
          source.file,
          at.line,
          at.col,
          'both run and with.run are set',
          'keep one: run: is shorthand for with.run of caravan/shell',
          formatPath([...raw.path, 'with', 'run']),
        ),
      );
    }
    if (raw.erdaType && raw.erdaType !== 'custom-script') {
      if (source.nodeAt([...raw.path, raw.erdaType, 'commands'])) {
        const at = source.locate([...raw.path, raw.erdaType, 'commands'], 'key');
        warnings.push({
          ...issueAt(
            source.file,
            at.line,
            at.col,
            `commands are ignored for ${raw.erdaType}; only custom-script runs commands`,
            'move the commands into a custom-script step',
            formatPath([...raw.path, raw.erdaType, 'commands']),
          ),
          severity: 'warning',
        });
      }
    }
  }
}
