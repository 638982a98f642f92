/** The portable agent's entry (scripts/sea.mjs): a static launcher, or the sh script where no C compiler is found. */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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

  it('copies its own folder with --copy-to, and says what failed where', () => {
    const folder = mkdtempSync(join(tmpdir(), 'sea-entry-'));
    const entry = join(folder, 'caravan-agent');
    writeEntry(entry, folder);
    mkdirSync(join(folder, 'lib'));
    writeFileSync(join(folder, 'lib', 'libx.so'), 'library', { mode: 0o755 });
    symlinkSync('libx.so', join(folder, 'lib', 'libx.so.1'));
    writeFileSync(join(folder, 'agent.json'), '{"version":"1"}');
    const target = join(folder, 'copy'); // inside the folder: left out of its own copy
    execFileSync(entry, ['--copy-to', target]);
    expect(readdirSync(target).sort()).toEqual(['agent.json', 'caravan-agent', 'lib']);
    expect(readFileSync(join(target, 'lib', 'libx.so'), 'utf8')).toBe('library');
    expect(statSync(join(target, 'lib', 'libx.so')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(target, 'lib', 'libx.so.1'))).toBe('libx.so');

    const denied = spawnSync(entry, ['--copy-to', '/proc/caravan-no-such-dir'], { encoding: 'utf8' });
    expect(denied.status).toBe(127);
    expect(denied.stderr).toMatch(/^\[caravan-agent\] error: cannot create \/proc\/caravan-no-such-dir: .+\n$/);
    // no loader beside it: what it could not start, not a crash
    const noLoader = spawnSync(entry, ['--version'], { encoding: 'utf8' });
    expect(noLoader.status).toBe(127);
    expect(noLoader.stderr).toBe(
      `[caravan-agent] error: cannot start ${folder}/lib/ld-linux-x86-64.so.2: No such file or directory\n`,
    );
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
