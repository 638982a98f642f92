import { readFile, stat } from 'node:fs/promises';
import { OUTPUT_TOTAL_LIMIT, type OutputStore } from './output-store.js';
import type { ParsedOutputs } from './outputs-file.js';

/**
 * Reads one outputs file into the store after the action ends; a file far past the limits is not
 * read at all (an error), a missing one is no outputs.
 */
export async function readOutputsInto(
  store: OutputStore,
  path: string,
  label: string,
  parse: (text: string, file: string) => ParsedOutputs,
  onSet: (name: string, value: string) => void,
): Promise<void> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > 2 * OUTPUT_TOTAL_LIMIT) {
      store.fail(`${label}: the file is ${info.size} bytes, over twice the ${OUTPUT_TOTAL_LIMIT}-byte limit on outputs; it was not read — write large data to a declared file instead`);
      return;
    }
    text = await readFile(path, 'utf8');
  } catch {
    return;
  }
  const parsed = parse(text, label);
  for (const pair of parsed.pairs) {
    if (store.set(pair.name, pair.value, pair.line ? `${label}:${pair.line}` : label)) onSet(pair.name, pair.value);
  }
  if (parsed.error) store.fail(parsed.error);
}
