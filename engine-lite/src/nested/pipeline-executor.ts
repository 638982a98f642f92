/**
 * The `pipeline` executor: a nested step's task is a child run of the engine. The child's id is
 * the task id (`<parent run>.<step>.<attempt>`), recorded with the step before the task is created,
 * so an engine that restarts finds and drives the same child instead of starting a second one;
 * the id also links the child to its parent step. Cancel and the step's timeout reach the child
 * through `cancel`; its `outputs:` come back as the step's outputs through `readReport`.
 */
import { DEFAULT_NESTING_DEPTH, formatIssue, nestedPipelineFile, parsePipelineYaml } from '@caravan/spec';
import type { AgentReport, Pipeline, PipelineStep, RegisteredPipelineLookup } from '@caravan/spec';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Engine } from '../engine.js';
import type { ActionExecutor, TaskSpec, TaskState } from '../executors/types.js';
import type { RunStatus } from '../status.js';
import { childOutputs } from './child-outputs.js';

const FINAL: ReadonlySet<RunStatus> = new Set(['success', 'failed', 'cancelled']);

/** How deep a run is: 1 for a top run, one more per nesting (each adds `.<step>.<attempt>`). */
export function runDepth(runId: string): number {
  return (runId.split('.').length - 1) / 2 + 1;
}

async function fileChild(parentFile: string, step: PipelineStep): Promise<{ pipeline: Pipeline; source: string }> {
  const file = nestedPipelineFile(parentFile, step);
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read ${step.pipeline} (${file}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const parsed = parsePipelineYaml(source, relative(process.cwd(), file) || file);
  if (!parsed.ok)
    throw new Error(`${step.pipeline} is not a valid pipeline:\n${parsed.errors.map(formatIssue).join('\n')}`);
  return { pipeline: { ...parsed.value, file }, source };
}

function exited(status: RunStatus): TaskState {
  return { phase: 'exited', exitCode: status === 'success' ? 0 : status === 'cancelled' ? 143 : 1 };
}

export class PipelineExecutor implements ActionExecutor {
  readonly kind = 'pipeline';
  readonly usesWorkspace = false;
  private readonly driving = new Map<string, Promise<RunStatus>>();

  constructor(
    private readonly engine: Engine,
    private readonly registered?: RegisteredPipelineLookup,
    private readonly maxDepth = DEFAULT_NESTING_DEPTH,
  ) {}

  async create(task: TaskSpec): Promise<void> {
    const store = this.engine.store;
    if (await store.getRun(task.taskId)) return;
    if (runDepth(task.taskId) > this.maxDepth)
      throw new Error(`nested pipelines go deeper than ${this.maxDepth} levels (run ${task.runId}): flatten the chain`);
    const parent = await store.getRun(task.runId);
    const step = parent?.pipeline.steps.find((s) => s.id === task.stepId);
    if (!parent || !step || (!step.pipeline && !step.registered))
      throw new Error(`internal: step ${task.stepId} of run ${task.runId} runs no pipeline`);
    const child = step.registered ? await this.registeredChild(step.registered) : await fileChild(parent.file, step);
    await this.engine.createRun(
      {
        id: task.taskId,
        pipeline: child.pipeline,
        source: child.source,
        params: task.context.params as Record<string, string | number | boolean>,
        executor: parent.executor,
      },
      this.engine.secretNamesOf({ id: task.taskId, pipeline: child.pipeline }),
    );
  }

  /** The registered pipeline's current revision, recorded with the child run (`pipeline.registered`). */
  private async registeredChild(name: string): Promise<{ pipeline: Pipeline; source: string }> {
    if (!this.registered)
      throw new Error(
        `uses ${name}: a registered pipeline runs on caravan server only; use a file path (./${name}/pipeline.yml)`,
      );
    const found = await this.registered(name);
    if (!found) throw new Error(`uses ${name}: no pipeline is registered as "${name}" (caravan pipelines list)`);
    const parsed = parsePipelineYaml(found.source, found.file);
    if (!parsed.ok)
      throw new Error(
        `${name} revision ${found.revision} is not a valid pipeline:\n${parsed.errors.map(formatIssue).join('\n')}`,
      );
    return {
      pipeline: { ...parsed.value, registered: { name: found.name, revision: found.revision } },
      source: found.source,
    };
  }

  async start(taskId: string): Promise<void> {
    const run = await this.engine.store.getRun(taskId);
    if (!run) throw new Error(`nested run ${taskId} was not created`);
    if (!FINAL.has(run.status)) this.drive(taskId);
  }

  private drive(runId: string): Promise<RunStatus> {
    let done = this.driving.get(runId);
    if (!done) {
      done = this.engine.execute(runId).catch(async (err: Error) => {
        const run = await this.engine.store.getRun(runId);
        if (run && FINAL.has(run.status)) return run.status;
        throw err;
      });
      this.driving.set(runId, done);
    }
    return done;
  }

  async status(taskId: string): Promise<TaskState> {
    const run = await this.engine.store.getRun(taskId);
    if (!run) return { phase: 'gone', neverStarted: true };
    if (FINAL.has(run.status)) return exited(run.status);
    if (run.status === 'queued' && !this.driving.has(taskId) && !run.startedAt) return { phase: 'created' };
    return { phase: 'running' };
  }

  /** Waits for the child; one found unfinished after a restart is driven again (the engine's resume). */
  async wait(taskId: string): Promise<TaskState> {
    const run = await this.engine.store.getRun(taskId);
    if (!run) return { phase: 'gone', neverStarted: true };
    if (FINAL.has(run.status) && !this.driving.has(taskId)) return exited(run.status);
    try {
      return exited(await this.drive(taskId));
    } catch (err) {
      return { phase: 'gone', message: `nested run ${taskId}: ${(err as Error).message}` };
    }
  }

  async cancel(taskId: string): Promise<void> {
    const run = await this.engine.store.getRun(taskId);
    if (run && !FINAL.has(run.status)) await this.engine.cancel(taskId);
  }

  async remove(taskId: string): Promise<void> {
    this.driving.delete(taskId);
  }

  async readReport(taskId: string): Promise<AgentReport | undefined> {
    const run = await this.engine.store.getRun(taskId);
    if (!run || !FINAL.has(run.status)) return undefined;
    const { outputs, errors } = childOutputs(run, await this.engine.store.getSteps(taskId));
    const ok = run.status === 'success' && errors.length === 0;
    const why =
      run.status === 'success'
        ? errors.map((message) => ({ message: `nested run ${taskId}: ${message}`, kind: 'output' as const }))
        : [
            {
              message: `nested run ${taskId} ended ${run.status}${run.error ? `: ${run.error}` : ''}`,
              kind: 'exit' as const,
            },
          ];
    return {
      status: ok ? 'success' : run.status === 'cancelled' ? 'cancelled' : 'failed',
      exitCode: ok ? 0 : exited(run.status).exitCode!,
      signal: null,
      outputs,
      errors: ok ? [] : why,
      warnings: [],
      annotations: [],
      files: [],
      stderrExcerpt: [],
      durationMs: (run.endedAt ?? 0) - (run.startedAt ?? run.endedAt ?? 0),
      masked: 0,
    };
  }

  async note(taskId: string): Promise<string | undefined> {
    const run = await this.engine.store.getRun(taskId);
    const registered = run?.pipeline.registered;
    const what = registered
      ? `registered pipeline ${registered.name} revision ${registered.revision}`
      : `pipeline ${run?.pipelineName}`;
    return run && `ran ${what} as run ${taskId} (${run.status}): caravan runs show ${taskId}`;
  }
}
