import { actionFileProblem, readActionFile } from './action-file.js';
import { OUTPUT_TOTAL_LIMIT, type OutputStore } from './output-store.js';
import type { ParsedOutputs } from './outputs-file.js';

/**
 * Reads one outputs file into the store after the action ends; a file far past the limits is not
 * read at all (an error), nor is anything but a regular file (a FIFO would block the agent); a
 * missing one is no outputs.
 */
export function readOutputsInto(
  store: OutputStore,
  path: string,
  label: string,
  parse: (text: string, file: string) => ParsedOutputs,
  onSet: (name: string, value: string) => void,
): void {
  const file = readActionFile(path, 2 * OUTPUT_TOTAL_LIMIT);
  if (file.kind === 'too-large') {
    store.fail(
      `${label}: the file is ${file.size} bytes, over twice the ${OUTPUT_TOTAL_LIMIT}-byte limit on outputs; it was not read — write large data to a declared file instead`,
    );
    return;
  }
  if (file.kind !== 'text') {
    const problem = actionFileProblem(file, label, path);
    if (problem) store.fail(problem);
    return;
  }
  const parsed = parse(file.text, label);
  for (const pair of parsed.pairs) {
    if (store.set(pair.name, pair.value, pair.line ? `${label}:${pair.line}` : label)) onSet(pair.name, pair.value);
  }
  if (parsed.error) store.fail(parsed.error);
}
