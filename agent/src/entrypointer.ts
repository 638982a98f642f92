import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  rmdirSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AgentEvent, FileReport } from '@caravan/spec';
import { buildActionEnv, oversizedVariables } from './action-env.js';
import { systemClock, type Clock } from './clock.js';
import { PipeGrace } from './pipe-grace.js';
import { CommandProcessor, type CommandEffects, type CommandSettings } from './command-processor.js';
import type { Context, Report, ReportAnnotation, ReportError } from './contract.js';
import { ExportStore, type EnvironmentFiles } from './exports.js';
import { analyzeEnd, exitCodeOf, type EndFacts } from './error-analysis.js';
import { describeDeclaredFiles } from './declared-files.js';
import type { FileWatcher, WatchStarter } from './file-watcher.js';
import type { Masker } from './mask/types.js';
import { OutputStore } from './output-store.js';
import { readOutputsInto } from './output-files.js';
import { parseMetafile, parseOutputsFile } from './outputs-file.js';
import { logLines, type Reporter } from './reporter.js';
import type { RunningAction, Runner } from './runner.js';
import type { Sink } from './sink.js';
import { StreamPump } from './stream-pump.js';

export const DEFAULT_GRACE_SECONDS = 10;
const EXCERPT_LINES = 20;
const EXCERPT_LINE_CHARS = 2000;
const MAX_ANNOTATIONS = 200;
const MAX_WARNINGS = 200;
/** The runner's limit on an annotation's message (ExecutionContext._maxIssueMessageLength). */
const MAX_ANNOTATION_MESSAGE = 4096;
/** How long a partial stdout line (a prompt, a progress bar) waits for its newline before it is shown. */
export const PARTIAL_LINE_MS = 200;

export interface EntrypointerOptions {
  context: Context;
  command: string;
  args: string[];
  runner: Runner;
  reporter: Reporter;
  masker: Masker;
  stdout: Sink;
  stderr: Sink;
  clock?: Clock;
  /** Absent: `watch` globs are ignored (the CLI passes the chokidar watcher). */
  startWatcher?: WatchStarter;
  baseEnv?: NodeJS.ProcessEnv;
  readOomKills?: () => number | undefined;
  /** Warnings found while reading the context, shown and reported. */
  contextWarnings?: string[];
  /** How long to wait for the output pipes after the action exits (background children may hold them). */
  pipeGraceMs?: number;
  /** Told the size of each output chunk (the CLI passes a memoryReclaimer). */
  onOutputBytes?: (bytes: number) => void;
}

export interface RunResult {
  report: Report;
  exitCode: number;
}

/**
 * The agent's lifecycle, after Tekton's Entrypointer: plain fields plus narrow interfaces (Runner,
 * Reporter, Clock, Sink, WatchStarter) so every path is testable without processes.
 */
export class Entrypointer {
  private readonly clock: Clock;
  private readonly outputs = new OutputStore();
  private readonly exports = new ExportStore((a) => this.annotate(a));
  private readonly annotations: ReportAnnotation[] = [];
  private readonly warnings: string[] = [];
  private readonly excerpt: string[] = [];
  private readonly watched = new Map<string, FileReport>();
  private readonly warnPatterns: RegExp[];
  private action: RunningAction | undefined;
  private stopping: { reason: 'timeout' | 'cancel'; signal: NodeJS.Signals } | undefined;
  private cancelBeforeStart: NodeJS.Signals | undefined;
  private cancelKill: (() => void) | undefined;
  private finished: Promise<RunResult> | undefined;
  private droppedAnnotations = 0;
  private actionExited = false;

  constructor(private readonly o: EntrypointerOptions) {
    this.clock = o.clock ?? systemClock;
    this.warnPatterns = (o.context.warnPatterns ?? []).map((p) => new RegExp(p));
  }

  /** Runs the action once; a second call returns the same result (teardown runs exactly once). */
  run(): Promise<RunResult> {
    this.finished ??= this.lifecycle();
    return this.finished;
  }

  /**
   * SIGTERM/SIGINT from outside: forwarded to the action's group, SIGKILL after the grace period; a second one kills
   * at once.
   */
  cancel(signal: NodeJS.Signals): void {
    if (this.actionExited) return;
    if (!this.action) {
      this.cancelBeforeStart ??= signal;
      return;
    }
    if (this.stopping) {
      this.say(`${signal} received again: killing the action now`);
      this.action.kill('SIGKILL');
      return;
    }
    this.stop('cancel', signal);
  }

  /** The agent itself is failing: kill the action's group so nothing is left running. */
  abort(): void {
    this.action?.kill('SIGKILL');
  }

  private stop(reason: 'timeout' | 'cancel', signal: NodeJS.Signals): void {
    if (this.stopping || !this.action) return;
    this.stopping = { reason, signal };
    const grace = this.o.context.graceSeconds ?? DEFAULT_GRACE_SECONDS;
    const action = this.action;
    this.say(
      reason === 'timeout'
        ? `timeout of ${this.o.context.timeoutSeconds}s reached: sending SIGTERM, SIGKILL in ${grace}s`
        : `${signal} received: forwarding it to the action, SIGKILL in ${grace}s`,
    );
    action.kill(reason === 'timeout' ? 'SIGTERM' : signal);
    this.cancelKill = this.clock.setTimer(grace * 1000, () => {
      this.say(`the action did not stop within ${grace}s: sending SIGKILL`);
      action.kill('SIGKILL');
    });
  }

  private async lifecycle(): Promise<RunResult> {
    const { context } = this.o;
    const startedAt = this.clock.now();
    for (const w of this.o.contextWarnings ?? []) this.warn(w);
    const workdir = resolve(context.workdir ?? process.cwd());
    if (!isDirectory(workdir)) {
      const startError = Object.assign(
        new Error(`the workdir ${workdir} does not exist or is not a folder; fix context.workdir`),
        { code: 'EWORKDIR' },
      );
      return this.finish(startedAt, { command: this.o.command, startError });
    }
    // Synchronous file work on the start and end paths: each async call is a thread-pool round trip
    // and the whole start-up budget is a few milliseconds.
    const tempDir = mkdtempSync(join(tmpdir(), 'caravan-agent-'));
    try {
      const outputsFile = resolve(workdir, context.outputsFile ?? join(tempDir, 'outputs'));
      const metafile = join(tempDir, 'metafile');
      // GitHub's file commands, one empty file each per step
      const files: EnvironmentFiles = {
        env: join(tempDir, 'env'),
        path: join(tempDir, 'path'),
        state: join(tempDir, 'state'),
        summary: join(tempDir, 'step_summary'),
      };
      // the temp folder exists: no mkdir for the files in it (the outputs file too, unless the context moves it)
      if (context.outputsFile !== undefined) touch(outputsFile);
      const inTemp = [metafile, files.env, files.path, files.state, files.summary];
      for (const file of context.outputsFile === undefined ? [outputsFile, ...inTemp] : inTemp)
        closeSync(openSync(file, 'a'));
      const env = buildActionEnv(this.o.baseEnv ?? process.env, context, {
        outputsFile,
        metafile,
        workspace: workdir,
        files,
      });
      const watcher = context.watch.length > 0 ? await this.startWatching(workdir) : undefined;
      const facts: EndFacts = { command: this.o.command, path: env.PATH, oversizedVariables: oversizedVariables(env) };
      if (this.cancelBeforeStart) {
        facts.cancelledBy = this.cancelBeforeStart;
      } else {
        try {
          this.action = await this.o.runner.start(this.o.command, this.o.args, { cwd: workdir, env });
        } catch (err) {
          facts.startError = err as NodeJS.ErrnoException;
        }
      }
      if (this.action) {
        // read while the action execs, off the start path; an OOM kill within that instant is only missed as a hint
        facts.oomKillsBefore = this.o.readOomKills?.();
        this.o.reporter.event({ type: 'started', pid: this.action.pid, ts: this.clock.now() });
        if (this.cancelBeforeStart) this.stop('cancel', this.cancelBeforeStart);
        facts.exit = await this.supervise(this.action, commandSettings(env, workdir));
        if (this.stopping?.reason === 'timeout') facts.timedOut = { seconds: context.timeoutSeconds ?? 0 };
        if (this.stopping?.reason === 'cancel') facts.cancelledBy = this.stopping.signal;
      }
      facts.oomKillsAfter = this.o.readOomKills?.();
      await watcher?.stop().catch((err: Error) => this.warn(`file watching failed at the end: ${err.message}`));
      this.readOutputFiles(metafile, outputsFile);
      this.exports.readFiles(files);
      return await this.finish(startedAt, facts, workdir);
    } finally {
      removeTempDir(tempDir);
    }
  }

  private async supervise(action: RunningAction, settings: CommandSettings) {
    const { context, masker } = this.o;
    // Workflow commands are read on both streams, as GitHub's runner does: an ::add-mask:: on
    // stderr must hide the value on stdout too.
    const effects: CommandEffects = {
      addMask: (value) => masker.add(value),
      setOutput: (name, value, where) => {
        if (this.outputs.set(name, value, where))
          this.emit({ type: 'output', name, value: masker.maskString(value), ts: this.clock.now() });
        else this.say(`error: ${this.outputs.errors.at(-1)!.message}`);
      },
      setEnv: (name, value, where) => this.exports.setEnv(name, value, where),
      addPath: (path, where) => this.exports.addPath(path, where),
      saveState: (name, value) => this.exports.saveState(name, value),
      annotate: (a) => this.annotate(a),
      warn: (m, shown) => (shown ? this.record(m) : this.warn(m)),
      outputError: (m) => {
        this.outputs.fail(m);
        this.say(`error: ${m}`);
      },
      commandError: (m) => this.exports.fail(m),
    };
    // echo (::echo::on) is one setting for both streams, as in the runner's execution context
    const shared = { echo: settings.debug };
    const outCommands = new CommandProcessor(effects, 'stdout', settings, shared);
    const errCommands = new CommandProcessor(effects, 'stderr', settings, shared);
    const reporter = this.o.reporter;
    const stdout = new StreamPump(masker.stream(), this.o.stdout, {
      onLine: (line) => outCommands.handle(line),
      onPlainLines: (count) => outCommands.skip(count),
      onOverlongLine: (start) => outCommands.overlong(start),
      ...(reporter.logBlock
        ? { onMaskedBlock: (block: Buffer) => reporter.logBlock!('stdout', block, this.clock.now()) }
        : {
            onMaskedLines: reporter.wantsLogs
              ? (lines: string) => logLines(reporter, 'stdout', lines, this.clock.now())
              : undefined,
          }),
    });
    const stderr = new StreamPump(masker.stream(), this.o.stderr, {
      onLine: (line) => errCommands.handle(line),
      onPlainLines: (count) => errCommands.skip(count),
      onOverlongLine: (start) => errCommands.overlong(start),
      onMaskedLines: (lines) => {
        this.keepExcerpt(lines);
        return reporter.wantsLogs ? logLines(reporter, 'stderr', lines, this.clock.now()) : undefined;
      },
    });
    const cancelTimeout = context.timeoutSeconds
      ? this.clock.setTimer(context.timeoutSeconds * 1000, () => this.stop('timeout', 'SIGTERM'))
      : undefined;
    // partial lines are let out every PARTIAL_LINE_MS, from the first output on (a timer costs a quiet action's
    // start-up)
    let flushing: 'not yet' | 'on' | 'over' = 'not yet';
    let stopFlushing = () => {};
    const flushPartial = () => {
      if (flushing === 'on') {
        stopFlushing = this.clock.setTimer(
          PARTIAL_LINE_MS,
          () => void Promise.all([stdout.flushPartial(), stderr.flushPartial()]).then(flushPartial),
        );
      }
    };
    const onOutputBytes = this.o.onOutputBytes ?? (() => undefined);
    const grace = new PipeGrace(this.clock, this.o.pipeGraceMs ?? 2000, action, (m) => this.warn(m));
    const counted = (bytes: number) => {
      grace.flowed();
      onOutputBytes(bytes);
      if (flushing === 'not yet') {
        flushing = 'on';
        flushPartial();
      }
    };
    const pumped = Promise.all([drain(action.stdout, stdout, counted), drain(action.stderr, stderr, counted)]);
    const exit = await action.exited;
    this.actionExited = true;
    flushing = 'over';
    stopFlushing();
    cancelTimeout?.();
    this.cancelKill?.();
    grace.start();
    await pumped;
    grace.stop();
    const leftRunning = action.reapGroup?.() ?? false;
    if (leftRunning && !grace.killedHolders) {
      this.warn('processes the action started in the background were still running after it exited; they were killed');
    }
    return exit;
  }

  private async startWatching(workdir: string): Promise<FileWatcher | undefined> {
    const globs = this.o.context.watch;
    if (globs.length === 0 || !this.o.startWatcher) return undefined;
    try {
      return await this.o.startWatcher(
        globs,
        workdir,
        (file) => {
          this.watched.set(file.path, file);
          this.emit({ type: 'file', file, ts: this.clock.now() });
        },
        (text) => this.o.masker.maskString(text),
      );
    } catch (err) {
      this.warn(`cannot watch ${globs.join(', ')}: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Erda's metafile first, then `$CARAVAN_OUTPUT`: on the same name, the outputs file wins. */
  private readOutputFiles(metafile: string, outputsFile: string): void {
    const onSet = (name: string, value: string) =>
      this.emit({ type: 'output', name, value: this.o.masker.maskString(value), ts: this.clock.now() });
    readOutputsInto(this.outputs, metafile, 'METAFILE', parseMetafile, onSet);
    readOutputsInto(this.outputs, outputsFile, 'CARAVAN_OUTPUT', parseOutputsFile, onSet);
  }

  private async declaredFiles(workdir: string): Promise<FileReport[]> {
    const { reports, missing } = await describeDeclaredFiles(this.o.context.files, workdir);
    for (const m of missing) this.warn(`declared file "${m.name}" (${m.path}) was not produced`);
    for (const report of reports) {
      const problem = await this.o.reporter.upload(report.name!, resolve(workdir, report.path));
      if (problem) this.warn(problem);
    }
    return reports;
  }

  private async finish(startedAt: number, facts: EndFacts, workdir?: string): Promise<RunResult> {
    const { masker } = this.o;
    const end = analyzeEnd(facts);
    if (this.o.context.outputs)
      for (const w of this.outputs.checkTypes(this.o.context.outputs, this.o.context.dynamicOutputs === true))
        this.warn(w);
    const files = workdir ? await this.declaredFiles(workdir) : [];
    if (end.status === 'success' && (this.outputs.errors.length > 0 || this.exports.errors.length > 0))
      end.status = 'failed';
    const exported = this.exports.toReport(
      (text) => masker.maskString(text) !== text,
      (w) => this.warn(w),
    );
    const annotationErrors: ReportError[] = this.annotations
      .filter((a) => a.level === 'error')
      .map((a) => ({
        kind: 'annotation',
        message: a.message,
        ...(a.file ? { file: a.file } : {}),
        ...(a.line ? { line: a.line } : {}),
        ...(a.col ? { col: a.col } : {}),
      }));
    if (this.droppedAnnotations > 0)
      this.warn(`${this.droppedAnnotations} annotations beyond the first ${MAX_ANNOTATIONS} were dropped`);
    const errors = [...end.errors, ...this.outputs.errors, ...this.exports.errors, ...annotationErrors];
    for (const e of [...end.errors, ...this.outputs.errors, ...this.exports.errors]) this.say(`error: ${e.message}`);
    const report: Report = maskDeep(
      {
        status: end.status,
        exitCode: end.exitCode,
        signal: end.signal,
        outputs: this.outputs.toObject((v) => v),
        errors,
        warnings: [...this.warnings],
        annotations: [...this.annotations],
        files: [...files, ...this.watched.values()],
        stderrExcerpt: [...this.excerpt],
        durationMs: Math.max(0, this.clock.now() - startedAt),
        masked: 0,
        ...exported,
      },
      (t) => masker.maskString(t),
    );
    report.masked = masker.replacements;
    const exitCode = exitCodeOf(end);
    const undelivered = await this.o.reporter.finish(report);
    for (const w of undelivered) this.say(`warning: ${w}`);
    report.warnings.push(...undelivered.map((w) => masker.maskString(w)));
    return { report, exitCode };
  }

  private annotate(annotation: ReportAnnotation): void {
    if (this.annotations.length >= MAX_ANNOTATIONS) {
      this.droppedAnnotations++;
      return;
    }
    // masked before it is cut, so that no part of a secret is left at the cut
    const message = this.o.masker.maskString(annotation.message);
    if (message.length > MAX_ANNOTATION_MESSAGE)
      annotation = { ...annotation, message: message.slice(0, MAX_ANNOTATION_MESSAGE) };
    this.annotations.push(annotation);
    this.emit({
      type: 'annotation',
      annotation: maskDeep(annotation, (t) => this.o.masker.maskString(t)),
      ts: this.clock.now(),
    });
  }

  /** Keeps the last stderr lines and checks each against the warn patterns; `lines` are joined by `\n`. */
  private keepExcerpt(lines: string): void {
    const all = lines.split('\n');
    // without patterns, lines that the last ones will push out are not looked at
    for (const text of this.warnPatterns.length > 0 ? all : all.slice(-EXCERPT_LINES)) {
      this.excerpt.push(text.length > EXCERPT_LINE_CHARS ? `${text.slice(0, EXCERPT_LINE_CHARS)}…` : text);
      if (this.excerpt.length > EXCERPT_LINES) this.excerpt.shift();
      for (const pattern of this.warnPatterns) {
        if (pattern.test(text)) {
          this.warn(`stderr matches warnPattern /${pattern.source}/: ${text.slice(0, 300)}`);
          break;
        }
      }
    }
  }

  private emit(event: AgentEvent): void {
    this.o.reporter.event(event);
  }

  private warn(message: string): void {
    this.record(message);
    this.say(`warning: ${message}`);
  }

  /** A warning for the report only: it was already shown. */
  private record(message: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
  }

  /** The agent's own message: prefixed, masked, on stderr and in the logs. */
  private say(message: string): void {
    const text = `[caravan-agent] ${this.o.masker.maskString(message)}`;
    void this.o.stderr.write(Buffer.from(`${text}\n`));
    if (this.o.reporter.wantsLogs) void this.o.reporter.log({ stream: 'agent', text, ts: this.clock.now() });
  }
}

async function drain(source: AsyncIterable<Buffer>, pump: StreamPump, counted: (bytes: number) => void): Promise<void> {
  try {
    for await (const chunk of source) {
      counted(chunk.length);
      await pump.push(chunk);
    }
  } catch {
    // the pipe was closed under us (background processes killed); keep what came
  }
  await pump.end();
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Removes the agent's temp folder; plain unlinks first, as `rm -r` costs ms at every start. */
function removeTempDir(dir: string): void {
  try {
    for (const name of readdirSync(dir)) unlinkSync(join(dir, name));
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

function touch(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  closeSync(openSync(path, 'a'));
}

/** Applies `mask` to every string inside a JSON-like value. */
export function maskDeep<T>(value: T, mask: (text: string) => string): T {
  if (typeof value === 'string') return mask(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, mask)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [mask(k), maskDeep(v, mask)])) as T;
  }
  return value;
}

/** The runner's switches, read from the action's environment (the step's env and secrets included). */
function commandSettings(env: Record<string, string>, workspace: string): CommandSettings {
  return {
    // the runner parses this one with bool.TryParse, the others with its ConvertToBoolean
    allowUnsecureCommands: /^\s*true\s*$/i.test(env.ACTIONS_ALLOW_UNSECURE_COMMANDS ?? ''),
    allowUnsecureStopTokens: isTrue(env.ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS),
    debug: isTrue(env.ACTIONS_STEP_DEBUG),
    workspace,
  };
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', '$true'].includes(value.toLowerCase());
}
