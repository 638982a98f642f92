/**
 * The words of a search text: letters and digits only, lower-cased, at most MAX_WORDS. Every other
 * character separates words, so no FTS5, tsquery or SQL syntax reaches the store.
 */
import { RegistryError } from '../errors.js';

export const MAX_QUERY_CHARS = 200;
export const MAX_WORDS = 12;

export function searchWords(text: string | undefined): string[] {
  if (text === undefined) return [];
  if (text.length > MAX_QUERY_CHARS) {
    throw new RegistryError(
      400,
      'query-too-long',
      `the search text has ${text.length} characters; at most ${MAX_QUERY_CHARS} are searched`,
      'search for a few words of the name or description',
    );
  }
  const words = [
    ...new Set(
      text
        .normalize('NFC')
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter((w) => w !== ''),
    ),
  ];
  if (words.length > MAX_WORDS) {
    throw new RegistryError(
      400,
      'query-too-long',
      `the search text has ${words.length} words; at most ${MAX_WORDS} are searched`,
      'search for a few words of the name or description',
    );
  }
  return words;
}
