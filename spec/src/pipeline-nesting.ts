/**
 * Checks across the files a pipeline runs as nested steps (`uses: ./deploy/pipeline.yml`): each
 * file exists and is a valid pipeline, no file runs itself through others (a cycle), and nesting
 * stays within the depth limit. Each problem is reported at the step that leads to it.
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

const shown = (file: string): string => relative(process.cwd(), file) || file;

export async function checkNestedPipelines(top: Pipeline, maxDepth = DEFAULT_NESTING_DEPTH): Promise<SpecIssue[]> {
  return (await loadNestedPipelines(top, maxDepth)).errors;
}

/** Every pipeline the top one runs as nested steps, transitively, each once; and the problems found. */
export async function loadNestedPipelines(
  top: Pipeline,
  maxDepth = DEFAULT_NESTING_DEPTH,
): Promise<{ pipelines: Pipeline[]; errors: SpecIssue[] }> {
  const errors: SpecIssue[] = [];
  const loaded = new Map<string, Pipeline | undefined>();
  const load = async (file: string, step: PipelineStep): Promise<Pipeline | undefined> => {
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
      if (!step.pipeline) continue;
      const file = nestedPipelineFile(pipeline.file, step);
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
  await visit(top, [resolve(top.file)]);
  return { pipelines: [...loaded.values()].filter((p): p is Pipeline => p !== undefined), errors };
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
