import { readFileSync, statSync } from 'node:fs';
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
  let text: string;
  try {
    const info = statSync(path);
    if (!info.isFile()) {
      store.fail(
        `${label}: ${path} is not a regular file (the action replaced it); it was not read — append to the file the agent made`,
      );
      return;
    }
    if (info.size > 2 * OUTPUT_TOTAL_LIMIT) {
      store.fail(
        `${label}: the file is ${info.size} bytes, over twice the ${OUTPUT_TOTAL_LIMIT}-byte limit on outputs; it was not read — write large data to a declared file instead`,
      );
      return;
    }
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  const parsed = parse(text, label);
  for (const pair of parsed.pairs) {
    if (store.set(pair.name, pair.value, pair.line ? `${label}:${pair.line}` : label)) onSet(pair.name, pair.value);
  }
  if (parsed.error) store.fail(parsed.error);
}
