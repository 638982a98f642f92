/**
 * Workflow commands on one of the action's streams, with the rules of GitHub's runner
 * (ActionCommandManager.cs): a processed command line is not printed; groups, annotations and
 * debug messages are shown as the runner shows them (`##[group]title`, `##[error]message`, ...);
 * `::stop-commands::TOKEN` pauses commands until `::TOKEN::`; `set-env` and `add-path` are refused
 * unless `ACTIONS_ALLOW_UNSECURE_COMMANDS` is true.
 */
import type { ReportAnnotation } from './contract.js';
import {
  REGISTERED_COMMANDS,
  looksLikeCommand,
  parseAnyCommand,
  parseErdaMeta,
  type WorkflowCommand,
} from './workflow-command.js';

export interface CommandEffects {
  addMask(value: string): void;
  setOutput(name: string, value: string, where: string): void;
  /** `::set-env` (only when unsecure commands are allowed). */
  setEnv(name: string, value: string, where: string): void;
  /** `::add-path` (only when unsecure commands are allowed). */
  addPath(path: string, where: string): void;
  saveState(name: string, value: string, where: string): void;
  annotate(annotation: ReportAnnotation): void;
  /** A warning for the report; `shown` when the processor already printed it in place of the line. */
  warn(message: string, shown?: boolean): void;
  outputError(message: string): void;
  /** A command that could not be applied: the step fails, as with the runner. Already shown. */
  commandError(message: string): void;
}

export interface CommandSettings {
  /** `ACTIONS_ALLOW_UNSECURE_COMMANDS` is true: `set-env` and `add-path` are applied. */
  allowUnsecureCommands: boolean;
  /** `ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS` is true: any `stop-commands` token is taken. */
  allowUnsecureStopTokens: boolean;
  /** `ACTIONS_STEP_DEBUG` is true: `::debug::` messages are shown, and commands echoed from the start. */
  debug: boolean;
  /** The action's workspace: an annotation's absolute file path under it is made relative. */
  workspace?: string;
}

/** What both streams of one step share, as with the runner's one execution context. */
export interface SharedCommandState {
  echo: boolean;
}

const DROP = Buffer.alloc(0);
const MAX_ANNOTATION_MESSAGE = 4096;

/** Messages of GitHub's runner (Constants.cs), word for word: actions and their users search for them. */
export const UNSECURE_COMMAND_DISABLED = (command: string) =>
  `The \`${command}\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`. For more information see: https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/`;
export const UNSECURE_STOP_TOKEN_DISABLED =
  "You cannot use a endToken that is an empty string, the string 'pause-logging', or another workflow command. For more information see: https://docs.github.com/actions/learn-github-actions/workflow-commands-for-github-actions#example-stopping-and-starting-workflow-commands or opt into insecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS` environment variable to `true`.";

/** A command the runner refuses: its message goes to the log and the step fails. */
class CommandFailure extends Error {}

/** The runner's `##[...]` commands and `::` ones (left-trimmed) on one stream; see the module comment. */
export class CommandProcessor {
  private stopToken: string | undefined;
  private lineNo = 0;
  private matchersWarned = false;

  constructor(
    private readonly effects: CommandEffects,
    private readonly stream: 'stdout' | 'stderr' = 'stdout',
    private readonly settings: CommandSettings = {
      allowUnsecureCommands: false,
      allowUnsecureStopTokens: false,
      debug: false,
    },
    private readonly shared: SharedCommandState = { echo: settings.debug },
  ) {}

  /** Handles one whole line of its stream; returns what to print instead of it (empty: nothing), if anything. */
  handle(line: string): Buffer | undefined {
    this.lineNo++;
    // a command starts the line (after white space), or a part of it after a bare CR, or is the legacy `##[` form
    // anywhere: three cheap looks rule out almost every line
    if (!line.trimStart().startsWith('::') && line.indexOf('##[') < 0 && line.indexOf('\r') < 0)
      return this.erdaMeta(line);
    if (!line.includes('\r')) {
      const shown = this.one(line);
      if (shown === undefined) return this.erdaMeta(line);
      return shown === null ? DROP : Buffer.from(`${shown}\n`);
    }
    // the runner reads lines ended by a bare CR too (progress output): each part is a line of its own
    const parts = line.split('\r').map((part) => ({ part, shown: this.one(part) }));
    if (parts.every((p) => p.shown === undefined)) return this.erdaMeta(line);
    const kept = parts.map((p) => (p.shown === undefined ? p.part : p.shown)).filter((p): p is string => p !== null);
    return kept.length === 0 ? DROP : Buffer.from(`${kept.join('\r')}\n`);
  }

  /** Counts lines that hold no command (the stream pump's plain lines), for the line numbers in messages. */
  skip(lines: number): void {
    this.lineNo += lines;
  }

  /** A line too long to parse: returns true to drop it (an `::add-mask::` must never echo). */
  overlong(start: string): boolean {
    this.lineNo++;
    if (this.stopToken !== undefined) return false;
    const name = looksLikeCommand(start);
    const where = this.where();
    if (name === 'add-mask') {
      this.effects.warn(
        `${where}: an ::add-mask:: line is too long to parse; it was dropped and its value NOT registered`,
      );
      return true;
    }
    if (name === 'set-output' || name === 'action meta') {
      this.effects.outputError(
        `${where}: the ${name} line is too long to parse (over the 1 MB output limit); the output was not set — write large data to a file`,
      );
    }
    return false;
  }

  private where(): string {
    return `${this.stream} line ${this.lineNo}`;
  }

  private erdaMeta(line: string): undefined {
    if (this.stopToken !== undefined) return undefined;
    const meta = parseErdaMeta(line);
    if (meta) this.effects.setOutput(meta.name, meta.value, `${this.where()} (action meta)`);
    return undefined;
  }

  /**
   * One line: undefined to print it as it is, null to print nothing, else the text to print
   * instead (without the final newline).
   */
  private one(line: string): string | null | undefined {
    const token = this.stopToken;
    const command = parseAnyCommand(line, token);
    if (!command) return undefined;
    if (token !== undefined) {
      // stopped: only `::TOKEN::` (or `##[TOKEN]`) counts, and it is printed
      if (token !== '' && command.name === token.toLowerCase()) this.stopToken = undefined;
      return undefined;
    }
    if (command.name === 'stop-commands') return this.stop(line, command.data);
    const echo = this.shared.echo && !OMIT_ECHO.has(command.name) ? [line] : [];
    try {
      const shown = this.apply(command);
      if (shown === null) return echo.length > 0 ? echo.join('\n') : null;
      return [...echo, ...shown].join('\n');
    } catch (err) {
      if (!(err instanceof CommandFailure)) throw err;
      this.effects.commandError(`${this.where()}: ${err.message}`);
      const input = OMIT_ECHO.has(command.name) ? command.name : line;
      return [...echo, `##[error]Unable to process command '${input}' successfully.`, `##[error]${err.message}`].join(
        '\n',
      );
    }
  }

  /** `::stop-commands::TOKEN`: printed (a token over 6 characters is masked from now on). */
  private stop(line: string, token: string): string | undefined {
    const invalid =
      token === '' || token.toLowerCase() === 'pause-logging' || REGISTERED_COMMANDS.has(token.toLowerCase());
    if (invalid && !this.settings.allowUnsecureStopTokens) {
      this.effects.commandError(`${this.where()}: ${UNSECURE_STOP_TOKEN_DISABLED}`);
      return `${line}\n##[error]${UNSECURE_STOP_TOKEN_DISABLED}`;
    }
    this.stopToken = token;
    if (token.length > 6) this.effects.addMask(token);
    return undefined;
  }

  /** Applies a command; returns the lines to show for it, or null for none. */
  private apply(command: WorkflowCommand): string[] | null {
    const where = this.where();
    const { props, data } = command;
    switch (command.name) {
      case 'add-mask':
        if (data.trim() === '') {
          const message = "Can't add secret mask for empty string in ##[add-mask] command.";
          this.effects.warn(`${where}: ${message}`, true);
          return [`##[warning]${message}`];
        }
        this.effects.addMask(data);
        if (command.rawData !== data) this.effects.addMask(command.rawData);
        return this.shared.echo ? ['::add-mask::***'] : null;
      case 'set-output':
        this.effects.setOutput(required(props.name, command.name), data, where);
        return null;
      case 'save-state':
        this.effects.saveState(required(props.name, command.name), data, where);
        return null;
      case 'set-env': {
        this.refuseUnlessAllowed(command.name);
        const name = required(props.name, command.name);
        if (name.toUpperCase() === 'NODE_OPTIONS') {
          const message = "Can't update NODE_OPTIONS environment variable using ::set-env:: command.";
          this.effects.annotate({ level: 'error', message });
          return [`##[error]${message}`];
        }
        this.effects.setEnv(name, data, where);
        return null;
      }
      case 'add-path':
        this.refuseUnlessAllowed(command.name);
        if (data === '') throw new CommandFailure("Value cannot be null or empty. (Parameter 'path')");
        this.effects.addPath(data, where);
        return null;
      case 'add-matcher':
      case 'remove-matcher': {
        if (this.matchersWarned) return null;
        this.matchersWarned = true;
        const message = `problem matchers are not supported: ::${command.name}:: and any later matcher command are ignored`;
        this.effects.warn(`${where}: ${message}`, true);
        return [`##[warning]${message}`];
      }
      case 'debug':
        return this.settings.debug
          ? data
              .replace(/\r\n/g, '\n')
              .split('\n')
              .map((l) => `##[debug]${l}`)
          : null;
      case 'error':
      case 'warning':
      case 'notice': {
        this.effects.annotate(this.annotationOf(command.name, props, data));
        return data === '' ? null : [`##[${command.name}]${data}`];
      }
      case 'group':
        return [`##[group]${data}`];
      case 'endgroup':
        return ['##[endgroup]'];
      case 'echo': {
        if (data === '') throw new CommandFailure("Value cannot be null or empty. (Parameter 'value')");
        const value = data.trim().toUpperCase();
        if (value !== 'ON' && value !== 'OFF')
          throw new CommandFailure(
            `Invalid echo command value. Possible values can be: 'on', 'off'. Current value is: '${data}'.`,
          );
        this.shared.echo = value === 'ON';
        return null;
      }
      default:
        return null;
    }
  }

  private refuseUnlessAllowed(command: string): void {
    if (!this.settings.allowUnsecureCommands) throw new CommandFailure(UNSECURE_COMMAND_DISABLED(command));
  }

  /** The runner's IssueCommandExtension: line and column checks, a path under the workspace made relative. */
  private annotationOf(
    level: ReportAnnotation['level'],
    props: Record<string, string>,
    message: string,
  ): ReportAnnotation {
    const annotation: ReportAnnotation = {
      level,
      message: message.length > MAX_ANNOTATION_MESSAGE ? message.slice(0, MAX_ANNOTATION_MESSAGE) : message,
    };
    if (props.title) annotation.title = props.title;
    let file = props.file;
    const workspace = this.settings.workspace?.replace(/\/+$/, '');
    if (file && workspace && file.startsWith(`${workspace}/`) && file.length > workspace.length + 1)
      file = file.slice(workspace.length + 1);
    if (file) annotation.file = file;
    const range = validRange(props);
    if (range.line !== undefined) annotation.line = range.line;
    if (range.endLine !== undefined) annotation.endLine = range.endLine;
    if (range.col !== undefined) annotation.col = range.col;
    if (range.endCol !== undefined) annotation.endCol = range.endCol;
    return annotation;
  }
}

/** Commands the runner never echoes (`OmitEcho`): their data is shown another way, or is a secret. */
const OMIT_ECHO = new Set(['add-mask', 'debug', 'error', 'warning', 'notice']);

function required(value: string | undefined, command: string): string {
  if (!value) throw new CommandFailure(`Required field 'name' is missing in ##[${command}] command.`);
  return value;
}

/** .NET `int.TryParse`: optional surrounding white space and sign, a 32-bit integer. */
function parseInt32(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*[+-]?\d+\s*$/.test(text)) return undefined;
  const n = Number(text.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

/**
 * The runner's ValidateLinesAndColumns: an end without its start stands for the start; columns
 * need a line, and a single line when there is an end line; an end before its start drops both.
 * Numbers below 0 are left out (the report's fields are counts from 0).
 */
export function validRange(props: Record<string, string>): {
  line?: number;
  endLine?: number;
  col?: number;
  endCol?: number;
} {
  let lineText = props.line;
  let colText = props.col;
  const endLineText = props.endline;
  const endColText = props.endcolumn;
  let line = parseInt32(lineText);
  let endLine = parseInt32(endLineText);
  let col = parseInt32(colText);
  let endCol = parseInt32(endColText);
  let hasLine = line !== undefined;
  let hasCol = col !== undefined;
  const hasEndLine = endLine !== undefined;
  const hasEndCol = endCol !== undefined;
  const hasColumn = hasCol || hasEndCol;
  // the numbers the runner compares keep their first parse (0 when it failed), also after the fixes below
  const lineNumber = line ?? 0;
  const colNumber = col ?? 0;
  if (hasEndLine && !hasLine) {
    lineText = endLineText;
    line = endLine;
    hasLine = true;
  }
  if (hasEndCol && !hasCol) {
    colText = endColText;
    col = endCol;
    hasCol = true;
  }
  if (!hasLine && hasColumn) col = endCol = undefined;
  if (hasEndLine && lineText !== endLineText && hasColumn) col = endCol = undefined;
  if (hasLine && hasEndLine && (endLine as number) < lineNumber) line = endLine = undefined;
  if (hasCol && hasEndCol && (endCol as number) < colNumber) col = endCol = undefined;
  const range: { line?: number; endLine?: number; col?: number; endCol?: number } = {};
  if (line !== undefined && line >= 0) range.line = line;
  if (endLine !== undefined && endLine >= 0) range.endLine = endLine;
  if (col !== undefined && col >= 0) range.col = col;
  if (endCol !== undefined && endCol >= 0) range.endCol = endCol;
  return range;
}
