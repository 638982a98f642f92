import type { Annotation } from '@caravan/spec';
import {
  looksLikeCommand,
  parseErdaMeta,
  parseWorkflowCommand,
  unescapeAll,
  unescapeData,
} from './workflow-command.js';

export interface CommandEffects {
  addMask(value: string): void;
  setOutput(name: string, value: string, where: string): void;
  annotate(annotation: Annotation): void;
  warn(message: string): void;
  outputError(message: string): void;
}

const MASKED_ADD_MASK = Buffer.from('::add-mask::***\n');

/** Workflow commands on the action's stdout; `::stop-commands::TOKEN` pauses them until `::TOKEN::`. */
export class CommandProcessor {
  private stopToken: string | undefined;
  private lineNo = 0;

  constructor(
    private readonly effects: CommandEffects,
    private readonly stream: 'stdout' | 'stderr' = 'stdout',
  ) {}

  /** Handles one whole line of its stream; returns what to print instead of it, if anything. */
  handle(line: string): Buffer | undefined {
    this.lineNo++;
    const command = parseWorkflowCommand(line);
    if (this.stopToken !== undefined) {
      if (
        command &&
        command.name === this.stopToken.toLowerCase() &&
        line.trimStart().startsWith(`::${this.stopToken}::`)
      )
        this.stopToken = undefined;
      return undefined;
    }
    if (!command) {
      const meta = parseErdaMeta(line);
      if (meta) this.effects.setOutput(meta.name, meta.value, `${this.stream} line ${this.lineNo} (action meta)`);
      return undefined;
    }
    const where = `${this.stream} line ${this.lineNo}`;
    switch (command.name) {
      case 'add-mask': {
        const value = unescapeData(command.data);
        if (value.trim() === '') this.effects.warn(`${where}: ::add-mask:: with an empty value registers nothing`);
        else {
          this.effects.addMask(value);
          if (value !== command.data) this.effects.addMask(command.data);
        }
        return MASKED_ADD_MASK;
      }
      case 'set-output': {
        const name = command.props.name;
        if (!name) this.effects.outputError(`${where}: ::set-output needs a name: ::set-output name=NAME::VALUE`);
        else this.effects.setOutput(name, unescapeAll(command.data), where);
        return undefined;
      }
      case 'error':
      case 'warning':
      case 'notice':
        this.effects.annotate(annotationOf(command.name, command.props, unescapeData(command.data)));
        return undefined;
      case 'stop-commands':
        if (command.data === '')
          this.effects.warn(
            `${where}: ::stop-commands:: needs a token: ::stop-commands::TOKEN, then ::TOKEN:: to resume`,
          );
        else this.stopToken = command.data;
        return undefined;
      default:
        return undefined;
    }
  }

  /** A line too long to parse: returns true to drop it (an `::add-mask::` must never echo). */
  overlong(start: string): boolean {
    this.lineNo++;
    if (this.stopToken !== undefined) return false;
    const name = looksLikeCommand(start);
    const where = `${this.stream} line ${this.lineNo}`;
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
}

function annotationOf(level: Annotation['level'], props: Record<string, string>, message: string): Annotation {
  const annotation: Annotation = { level, message };
  if (props.title) annotation.title = props.title;
  if (props.file) annotation.file = props.file;
  const line = Number(props.line);
  if (props.line && Number.isInteger(line)) annotation.line = line;
  const col = Number(props.col ?? props.column);
  if ((props.col ?? props.column) && Number.isInteger(col)) annotation.col = col;
  return annotation;
}
