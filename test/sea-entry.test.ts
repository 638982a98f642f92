/** The portable agent's entry (scripts/sea.mjs): a static launcher, or the sh script where no C compiler is found. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
// @ts-expect-error: plain JS build script, no types
import { writeEntry as writeEntryJs } from '../scripts/sea.mjs';

const writeEntry = writeEntryJs as (file: string, work: string, cc?: string) => boolean;

describe('the portable entry', () => {
  it('is a static executable when cc can build it', () => {
    const work = mkdtempSync(join(tmpdir(), 'sea-entry-'));
    const file = join(work, 'caravan-agent');
    expect(writeEntry(file, work)).toBe(true);
    expect(readFileSync(file).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    // static: no program interpreter to look for in the image
    expect(execFileSync('file', ['-b', file], { encoding: 'utf8' })).toMatch(/statically linked/);
  });

  it('falls back to the sh script, with a warning, when there is no C compiler', () => {
    const work = mkdtempSync(join(tmpdir(), 'sea-entry-'));
    const file = join(work, 'caravan-agent');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(writeEntry(file, work, join(work, 'no-such-cc'))).toBe(false);
    expect(readFileSync(file, 'utf8')).toMatch(/^#!\/bin\/sh\n[\s\S]*exec "\$here\/lib\/ld-linux-x86-64\.so\.2"/);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/no C compiler \(cc\)\); caravan-agent is a sh script that needs \/bin\/sh/),
    );
    warn.mockRestore();
  });
});
