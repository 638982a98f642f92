import type { ActionOutput, AgentError } from '@caravan/spec';

/** Documented limits: well beyond Tekton's 4 KB results, bounded so a run cannot flood the engine. */
export const OUTPUT_VALUE_LIMIT = 1024 * 1024;
export const OUTPUT_TOTAL_LIMIT = 4 * 1024 * 1024;
export const OUTPUT_NAME_LIMIT = 128;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function outputNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the output name is empty';
  if (name.length > OUTPUT_NAME_LIMIT) return `the output name is longer than ${OUTPUT_NAME_LIMIT} characters`;
  if (!NAME.test(name))
    return `"${name}" is not a valid output name (use letters, digits, "_", "-", "."; start with a letter or "_")`;
  return undefined;
}

/** The outputs of one task, from every source; a later value of the same name wins. */
export class OutputStore {
  private readonly values = new Map<string, string>();
  private totalBytes = 0;
  readonly errors: AgentError[] = [];

  /** Stores a value, or records an error naming `where` and returns false. */
  set(name: string, value: string, where: string): boolean {
    const problem = outputNameProblem(name);
    if (problem) return this.fail(`${where}: ${problem}`);
    const bytes = Buffer.byteLength(value);
    if (bytes > OUTPUT_VALUE_LIMIT) {
      return this.fail(
        `${where}: output "${name}" is ${bytes} bytes, over the limit of ${OUTPUT_VALUE_LIMIT} bytes per value; write large data to a file and declare it under "files"`,
      );
    }
    const previous = this.values.get(name);
    const total = this.totalBytes - (previous === undefined ? 0 : Buffer.byteLength(previous)) + bytes;
    if (total > OUTPUT_TOTAL_LIMIT) {
      return this.fail(
        `${where}: output "${name}" would bring the outputs to ${total} bytes, over the limit of ${OUTPUT_TOTAL_LIMIT} bytes in total; write large data to a file and declare it under "files"`,
      );
    }
    this.values.set(name, value);
    this.totalBytes = total;
    return true;
  }

  fail(message: string): false {
    this.errors.push({ kind: 'output', message });
    return false;
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  toObject(mask: (text: string) => string): Record<string, string> {
    // fromEntries defines own properties, so a hostile name like "__proto__" stays a plain key
    return Object.fromEntries([...this.values].map(([name, value]) => [name, mask(value)]));
  }

  /** Checks values against the types the action's spec declares. */
  checkTypes(declared: Record<string, ActionOutput>, undeclaredAllowed = false): string[] {
    const warnings: string[] = [];
    for (const [name, value] of this.values) {
      const decl = declared[name];
      if (!decl) {
        if (!undeclaredAllowed)
          warnings.push(
            `output "${name}" is not declared in the action's outputs (declared: ${Object.keys(declared).join(', ') || 'none'})`,
          );
        continue;
      }
      const problem = typeProblem(value, decl.type);
      if (problem) this.fail(`output "${name}" is declared as ${decl.type} but ${problem}`);
    }
    return warnings;
  }
}

function typeProblem(value: string, type: ActionOutput['type']): string | undefined {
  switch (type) {
    case 'number':
      return value.trim() !== '' && Number.isFinite(Number(value)) ? undefined : 'its value is not a number';
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : 'its value is not "true" or "false"';
    case 'json':
      try {
        JSON.parse(value);
        return undefined;
      } catch {
        return 'its value is not valid JSON';
      }
    default:
      return undefined;
  }
}
