/** What a run is, fixed while it runs: its record, its DAG, and each step's pipeline entry and resolved action. */
import type { LoadedAction } from './actions/resolver.js';
import type { Dag } from './dag.js';
import { buildDag } from './dag.js';
import type { PipelineStep } from './step-types.js';
import type { RunRecord, StepRecord } from './store/types.js';

export class RunPlan {
  readonly dag: Dag;
  private readonly steps = new Map<string, PipelineStep>();

  constructor(
    readonly run: RunRecord,
    private readonly actions: ReadonlyMap<string, LoadedAction>,
  ) {
    for (const s of run.pipeline.steps) this.steps.set(s.id, s);
    this.dag = buildDag(run.pipeline.steps);
  }

  get id(): string {
    return this.run.id;
  }

  step(id: string): PipelineStep {
    const s = this.steps.get(id);
    if (!s) throw new Error(`internal: no step ${id}`);
    return s;
  }

  action(id: string): LoadedAction {
    const a = this.actions.get(id);
    if (!a) throw new Error(`action of step ${id} was not resolved`);
    return a;
  }

  /** The executor kind of the step's current attempt: the one it started on, else the step's, else the run's. */
  executorOf(rec: StepRecord): string {
    return rec.executor ?? this.step(rec.stepId).executor ?? this.run.executor;
  }

  /** Seconds the step may run: its own `timeout`, else its action's. */
  timeoutOf(id: string): number | undefined {
    return this.step(id).timeout ?? this.actions.get(id)?.spec.timeout;
  }

  /** Where the step waits in the ready queue: step priority, then pipeline priority, then file order. */
  queueEntry(id: string): { key: string; priority: number; pipelinePriority: number; order: number } {
    return {
      key: id,
      priority: this.step(id).priority ?? 0,
      pipelinePriority: this.run.pipeline.priority ?? 0,
      order: this.dag.index.get(id) ?? 0,
    };
  }
}
