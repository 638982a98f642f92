/**
 * A deliberately naive masker for tests: every occurrence of every pattern found with one
 * `indexOf` pass per pattern over the whole input, covered bytes unioned, each maximal covered
 * run replaced by `***`. The real masker must give the same bytes however the input is split.
 */
import { isWordByte } from '../../src/mask/whole-word-scanner.js';
import { secretPatterns } from '../../src/mask/variants.js';

export function coveredBytes(input: Buffer, secrets: readonly string[]): Uint8Array {
  const covered = new Uint8Array(input.length);
  for (const secret of secrets) {
    for (const { bytes, wholeWord } of secretPatterns(secret)) {
      for (let at = input.indexOf(bytes); at !== -1; at = input.indexOf(bytes, at + 1)) {
        const end = at + bytes.length;
        if (wholeWord) {
          if (at > 0 && isWordByte(input[at - 1] as number)) continue;
          if (end < input.length && isWordByte(input[end] as number)) continue;
        }
        covered.fill(1, at, end);
      }
    }
  }
  return covered;
}

export function referenceMask(input: Buffer, secrets: readonly string[]): Buffer {
  const covered = coveredBytes(input, secrets);
  const out: number[] = [];
  for (let i = 0; i < input.length; i++) {
    if (covered[i] === 0) out.push(input[i] as number);
    else if (i === 0 || covered[i - 1] === 0) out.push(0x2a, 0x2a, 0x2a);
  }
  return Buffer.from(out);
}

/** The input with every covered byte dropped: what the output must be once `***` is removed. */
export function uncoveredBytes(input: Buffer, secrets: readonly string[]): Buffer {
  const covered = coveredBytes(input, secrets);
  return Buffer.from(input.filter((_, i) => covered[i] === 0));
}
