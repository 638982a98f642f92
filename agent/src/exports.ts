/**
 * What an action hands to the later steps of its run, as with GitHub's runner: variables
 * (`$GITHUB_ENV`, `::set-env`), PATH folders (`$GITHUB_PATH`, `::add-path`), state for a post step
 * (`$GITHUB_STATE`, `::save-state`) and its step summary (`$GITHUB_STEP_SUMMARY`).
 */
import { actionFileProblem, readActionFile } from './action-file.js';
import { MAX_VARIABLE_BYTES } from './action-env.js';
import type { Report, ReportAnnotation, ReportError } from './contract.js';
import { parseOutputsFile } from './outputs-file.js';

/** The environment files the agent makes for each step (empty at the start, read after the action exits). */
export interface EnvironmentFiles {
  env: string;
  path: string;
  state: string;
  summary: string;
}

/** Per file: far more than a step's variables, folders or state need, and bounded. */
export const ENV_FILE_LIMIT = 1024 * 1024;
/** The runner's limit on a step summary (CreateStepSummaryCommand.AttachmentSizeLimit). */
export const SUMMARY_LIMIT = 1024 * 1024;

export class ExportStore {
  private readonly env = new Map<string, string>();
  private readonly path: string[] = [];
  private readonly state = new Map<string, string>();
  private summary: string | undefined;
  readonly errors: ReportError[] = [];

  /** `annotate` takes the runner's error annotations (NODE_OPTIONS, a summary too large). */
  constructor(private readonly annotate: (annotation: ReportAnnotation) => void) {}

  /** A variable for the later steps; false (and an error) when no process could be given it. */
  setEnv(name: string, value: string, where: string): boolean {
    if (name.includes('\0') || value.includes('\0'))
      return this.fail(
        `${where}: the variable "${name.replace(/\0/g, '\\0')}" holds a NUL byte, which no environment can`,
      );
    const bytes = Buffer.byteLength(name) + 1 + Buffer.byteLength(value);
    if (bytes >= MAX_VARIABLE_BYTES)
      return this.fail(
        `${where}: the variable "${name}" is ${bytes} bytes, over the ${MAX_VARIABLE_BYTES}-byte limit Linux puts on one variable; no later step could start with it — write large data to a file`,
      );
    this.env.set(name, value);
    return true;
  }

  /** A PATH folder for the later steps; a folder given again moves last (the runner's order). */
  addPath(entry: string, where: string): boolean {
    if (entry.includes('\0')) return this.fail(`${where}: the PATH folder holds a NUL byte`);
    const known = this.path.indexOf(entry);
    if (known >= 0) this.path.splice(known, 1);
    this.path.push(entry);
    return true;
  }

  saveState(name: string, value: string): void {
    this.state.set(name, value);
  }

  fail(message: string): false {
    this.errors.push({ kind: 'command', message });
    return false;
  }

  /** Reads the environment files after the action exits, as the runner's file commands do. */
  readFiles(files: EnvironmentFiles): void {
    const env = this.read(files.env, 'GITHUB_ENV');
    if (env !== undefined) {
      const parsed = parseOutputsFile(env, 'GITHUB_ENV');
      for (const pair of parsed.pairs) {
        if (pair.name.toUpperCase() === 'NODE_OPTIONS') {
          this.annotate({
            level: 'error',
            message: "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.",
          });
          continue;
        }
        this.setEnv(pair.name, pair.value, `GITHUB_ENV:${pair.line}`);
      }
      if (parsed.error) this.fail(parsed.error);
    }
    const path = this.read(files.path, 'GITHUB_PATH');
    if (path !== undefined) {
      const lines = (path.startsWith('\uFEFF') ? path.slice(1) : path).split(/\r\n|\n|\r/);
      lines.forEach((line, i) => {
        if (line !== '') this.addPath(line, `GITHUB_PATH:${i + 1}`);
      });
    }
    const state = this.read(files.state, 'GITHUB_STATE');
    if (state !== undefined) {
      const parsed = parseOutputsFile(state, 'GITHUB_STATE');
      for (const pair of parsed.pairs) this.saveState(pair.name, pair.value);
      if (parsed.error) this.fail(parsed.error);
    }
    this.readSummary(files.summary);
  }

  private read(path: string, label: string): string | undefined {
    const file = readActionFile(path, ENV_FILE_LIMIT);
    if (file.kind === 'text') return file.text;
    if (file.kind === 'too-large') {
      this.fail(`${label}: the file is ${file.size} bytes, over the limit of ${ENV_FILE_LIMIT} bytes; it was not read`);
      return undefined;
    }
    const problem = actionFileProblem(file, label, path);
    if (problem) this.fail(problem);
    return undefined;
  }

  private readSummary(path: string): void {
    const file = readActionFile(path, SUMMARY_LIMIT);
    if (file.kind === 'too-large') {
      // the runner's message and level: the summary is dropped, the step does not fail for it
      this.annotate({
        level: 'error',
        message: `$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of ${SUMMARY_LIMIT / 1024}k, got ${Math.floor(file.size / 1024)}k. For more information see: https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary`,
      });
      return;
    }
    if (file.kind !== 'text') {
      const problem = actionFileProblem(file, 'GITHUB_STEP_SUMMARY', path);
      if (problem) this.fail(problem);
      return;
    }
    if (file.text !== '') this.summary = file.text;
  }

  /**
   * The report's fields, present only when not empty. A variable or folder that holds a secret is
   * left out with a warning: the report is stored in clear, and `***` in a later step's
   * environment would break it silently.
   */
  toReport(hasSecret: (text: string) => boolean, warn: (message: string) => void): Partial<Report> {
    const fields: Partial<Report> = {};
    const env: [string, string][] = [];
    for (const [name, value] of this.env) {
      if (hasSecret(name) || hasSecret(value)) {
        warn(
          `the exported variable ${hasSecret(name) ? '(its name holds a secret)' : `"${name}"`} holds a secret; secrets are not passed between steps in the report — give the later steps the secret itself`,
        );
      } else env.push([name, value]);
    }
    // fromEntries defines own properties, so a hostile name like "__proto__" stays a plain key
    if (env.length > 0) fields.exportedEnv = Object.fromEntries(env);
    const path = this.path.filter((entry) => {
      if (!hasSecret(entry)) return true;
      warn('a folder added to PATH holds a secret; it is not passed to the later steps');
      return false;
    });
    if (path.length > 0) fields.addedPath = path;
    if (this.state.size > 0) fields.state = Object.fromEntries(this.state);
    if (this.summary !== undefined) fields.summary = this.summary;
    return fields;
  }
}
