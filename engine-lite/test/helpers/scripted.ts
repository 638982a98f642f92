/**
 * Test doubles: an action resolver that knows every action without files, and an in-process
 * executor whose tasks end as each test scripts them (exit codes, outputs, hanging until cancel).
 */
import type { AgentReport, ActionSpec } from '@caravan/spec';
import type { ActionResolver, LoadedAction } from '../../src/actions/resolver.js';
import type { ActionExecutor, TaskSpec, TaskState } from '../../src/executors/types.js';
import type { ResolvedAction } from '../../src/store/types.js';

export class StubResolver implements ActionResolver {
  constructor(private readonly specs: Record<string, Partial<ActionSpec>> = {}) {}

  async resolve(name: string, range: string): Promise<LoadedAction> {
    if (name.startsWith('missing/')) throw new Error(`${name} not found`);
    return this.loaded({ name, range, version: '1.0.0', integrity: `sha512-${name}`, source: 'registry' });
  }

  async load(resolved: ResolvedAction): Promise<LoadedAction> {
    return this.loaded(resolved);
  }

  private loaded(resolved: ResolvedAction): LoadedAction {
    const spec: ActionSpec = {
      name: resolved.name,
      version: resolved.version,
      description: '',
      inputs: {},
      outputs: {},
      runs: { command: 'true' },
      files: [],
      caches: [],
      ...this.specs[resolved.name],
    };
    return { resolved, spec, dir: '/nonexistent' };
  }
}

export interface Script {
  /** Exit code per attempt (last one repeats); default 0. */
  exits?: number[];
  outputs?: Record<string, string>;
  /** Never exits by itself: only cancel ends it. */
  hang?: boolean;
  /** Ends after this many ms. */
  delayMs?: number;
  error?: string;
}

export class ScriptedExecutor implements ActionExecutor {
  readonly started: string[] = [];
  readonly contexts = new Map<string, TaskSpec>();
  running = 0;
  maxRunning = 0;
  private readonly tasks = new Map<
    string,
    {
      spec: TaskSpec;
      state: TaskState;
      exit?: Promise<TaskState>;
      finish?: (s: TaskState) => void;
      report?: AgentReport;
    }
  >();

  constructor(
    private readonly scripts: Record<string, Script> = {},
    readonly kind = 'scripted',
  ) {}

  async create(task: TaskSpec): Promise<void> {
    if (!this.tasks.has(task.taskId)) this.tasks.set(task.taskId, { spec: task, state: { phase: 'created' } });
    this.contexts.set(task.stepId, task);
  }

  async start(taskId: string): Promise<void> {
    const t = this.tasks.get(taskId)!;
    if (t.state.phase !== 'created') return;
    this.started.push(t.spec.stepId);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    t.state = { phase: 'running' };
    const script = this.scripts[t.spec.stepId] ?? {};
    const exits = script.exits ?? [0];
    const code = exits[Math.min(t.spec.attempt - 1, exits.length - 1)] ?? 0;
    t.exit = new Promise<TaskState>((resolve) => {
      t.finish = (s) => {
        if (t.state.phase === 'exited') return;
        this.running--;
        t.state = s;
        resolve(s);
      };
    });
    const done = () => {
      t.report = {
        status: code === 0 ? 'success' : 'failed',
        exitCode: code,
        signal: null,
        outputs: script.outputs ?? {},
        errors: code === 0 ? [] : [{ message: script.error ?? `exit ${code}`, kind: 'exit' }],
        warnings: [],
        annotations: [],
        files: [],
        stderrExcerpt: [],
        durationMs: 0,
        masked: 0,
      };
      t.finish!({ phase: 'exited', exitCode: code });
    };
    if (script.hang) return;
    if (script.delayMs) setTimeout(done, script.delayMs);
    else queueMicrotask(done);
  }

  async status(taskId: string): Promise<TaskState> {
    return this.tasks.get(taskId)?.state ?? { phase: 'gone' };
  }

  async wait(taskId: string): Promise<TaskState> {
    const t = this.tasks.get(taskId);
    return t?.exit ?? { phase: 'gone' };
  }

  async readReport(taskId: string): Promise<AgentReport | undefined> {
    return this.tasks.get(taskId)?.report;
  }

  async cancel(taskId: string): Promise<void> {
    this.tasks.get(taskId)?.finish?.({ phase: 'exited', exitCode: 143 });
  }

  async remove(taskId: string): Promise<void> {
    this.tasks.delete(taskId);
  }
}
