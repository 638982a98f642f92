/**
 * Checks across the pipelines a pipeline runs as nested steps (`uses: ./deploy/pipeline.yml`, or
 * `uses: deploy` for one registered on the server): each exists and is valid, none runs itself
 * through others (a cycle, through files and registered names alike), and nesting stays within the
 * depth limit. Each problem is reported at the step that leads to it. Without a way to look up
 * registered pipelines (linting offline), a registered name is a warning: the server checks it.
 */
import { dirname, relative, resolve } from 'node:path';
import { issueAt } from './issue-at.js';
import type { SpecIssue } from './issues.js';
import { parsePipelineYaml } from './pipeline-parse.js';
import type { Pipeline, PipelineStep } from './pipeline-types.js';
import { readSpecFile } from './read-spec-file.js';

/** Most pipelines in a chain of nested runs, the top one included. */
export const DEFAULT_NESTING_DEPTH = 5;

/** The file a nested step runs: its `uses` path, relative to the folder of the pipeline file. */
export function nestedPipelineFile(pipelineFile: string, step: Pick<PipelineStep, 'pipeline'>): string {
  return resolve(dirname(pipelineFile), step.pipeline ?? '');
}

/** A registered pipeline's current revision, as the server stores it. */
export interface RegisteredPipelineSource {
  name: string;
  revision: number;
  source: string;
  file: string;
}

/** Looks up a registered pipeline by name: undefined when none is registered under it. */
export type RegisteredPipelineLookup = (name: string) => Promise<RegisteredPipelineSource | undefined>;

export interface NestingOptions {
  maxDepth?: number;
  /** Where registered names are looked up; absent when linting offline. */
  registered?: RegisteredPipelineLookup;
}

/** The key of a registered pipeline in a chain of nested pipelines (files are keyed by their path). */
const REGISTERED_KEY = 'registered:';

const shown = (key: string): string =>
  key.startsWith(REGISTERED_KEY)
    ? `${key.slice(REGISTERED_KEY.length)} (registered)`
    : relative(process.cwd(), key) || key;

export async function checkNestedPipelines(top: Pipeline, maxDepth = DEFAULT_NESTING_DEPTH): Promise<SpecIssue[]> {
  return (await loadNestedPipelines(top, { maxDepth })).errors;
}

/**
 * Every pipeline the top one runs as nested steps, transitively, each once (a registered one
 * carries `registered`); and the problems found. A top pipeline that is itself registered carries
 * `registered` too, so a registered pipeline that runs it back is a cycle.
 */
export async function loadNestedPipelines(
  top: Pipeline,
  options: NestingOptions | number = {},
): Promise<{ pipelines: Pipeline[]; errors: SpecIssue[]; warnings: SpecIssue[] }> {
  const { maxDepth = DEFAULT_NESTING_DEPTH, registered } =
    typeof options === 'number' ? { maxDepth: options } : options;
  const errors: SpecIssue[] = [];
  const warnings: SpecIssue[] = [];
  const loaded = new Map<string, Pipeline | undefined>();
  const loadRegistered = async (key: string, step: PipelineStep): Promise<Pipeline | undefined> => {
    if (loaded.has(key)) return loaded.get(key);
    const name = step.registered!;
    let pipeline: Pipeline | undefined;
    const found = registered ? await registered(name) : undefined;
    if (!registered)
      warnings.push({
        ...at(
          step,
          `uses the registered pipeline "${name}", which cannot be checked offline`,
          `register it on the server that runs this (caravan pipelines add FILE --name ${name}), or write a file path such as ./${name}/pipeline.yml`,
        ),
        severity: 'warning',
      });
    else if (!found)
      errors.push(
        at(
          step,
          `no pipeline is registered as "${name}"`,
          `register it first (caravan pipelines add FILE --name ${name}); a file beside this one is written ./path/pipeline.yml`,
        ),
      );
    else {
      const parsed = parsePipelineYaml(found.source, found.file);
      if (parsed.ok) pipeline = { ...parsed.value, registered: { name: found.name, revision: found.revision } };
      else errors.push(...parsed.errors);
    }
    loaded.set(key, pipeline);
    return pipeline;
  };
  const load = async (file: string, step: PipelineStep): Promise<Pipeline | undefined> => {
    if (step.registered) return loadRegistered(file, step);
    if (loaded.has(file)) return loaded.get(file);
    const read = await readSpecFile(file, 'pipeline', 'give the path of a pipeline.yml beside this one');
    let pipeline: Pipeline | undefined;
    if (!read.ok) errors.push(at(step, `${step.uses}: ${read.error.message}`, 'check the path, relative to this file'));
    else {
      const parsed = parsePipelineYaml(read.text, shown(file));
      if (parsed.ok) pipeline = parsed.value;
      else errors.push(...parsed.errors);
    }
    loaded.set(file, pipeline);
    return pipeline;
  };
  const visit = async (pipeline: Pipeline, chain: string[]): Promise<void> => {
    for (const step of pipeline.steps) {
      if (!step.pipeline && !step.registered) continue;
      const file = step.registered ? REGISTERED_KEY + step.registered : nestedPipelineFile(pipeline.file, step);
      if (chain.includes(file)) {
        const cycle = [...chain.slice(chain.indexOf(file)), file].map(shown).join(' → ');
        errors.push(
          at(
            step,
            `nested pipelines form a cycle: ${cycle}`,
            'a pipeline cannot run itself, directly or through others',
          ),
        );
        continue;
      }
      if (chain.length + 1 > maxDepth) {
        errors.push(
          at(
            step,
            `nested pipelines go deeper than ${maxDepth} levels: ${[...chain, file].map(shown).join(' → ')}`,
            'flatten the chain: run some of these pipelines side by side instead of inside each other',
          ),
        );
        continue;
      }
      const child = await load(file, step);
      if (!child) continue;
      checkParamsGiven(step, child, errors);
      await visit(child, [...chain, file]);
    }
  };
  await visit(top, [top.registered ? REGISTERED_KEY + top.registered.name : resolve(top.file)]);
  return { pipelines: [...loaded.values()].filter((p): p is Pipeline => p !== undefined), errors, warnings };
}

/** The step's `with:` are the child's params: each one it declares, and every required one without a default. */
function checkParamsGiven(step: PipelineStep, child: Pipeline, errors: SpecIssue[]): void {
  const declared = Object.keys(child.params);
  for (const key of Object.keys(step.with)) {
    if (key in child.params) continue;
    const loc = step.withLocs?.[key] ?? step.loc;
    errors.push(
      issueAt(
        loc.file,
        loc.line,
        loc.col,
        `step "${step.id}": with.${key}: pipeline ${child.name} has no param "${key}"`,
        declared.length > 0 ? `its params: ${declared.join(', ')}` : `${child.name} declares no params`,
        `with.${key}`,
      ),
    );
  }
  for (const [name, param] of Object.entries(child.params)) {
    if (param.required && param.default === undefined && !(name in step.with))
      errors.push(at(step, `pipeline ${child.name} needs param "${name}": add it under with:`, `see ${child.file}`));
  }
}

function at(step: PipelineStep, message: string, hint: string): SpecIssue {
  return issueAt(step.loc.file, step.loc.line, step.loc.col, `step "${step.id}": ${message}`, hint, 'uses');
}
