import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileReport } from '@caravan/spec';
import { startFileWatcher } from '../src/file-watcher.js';
import { eventually } from './helpers/run-agent.js';

describe('file watcher', () => {
  it('reports matching files live with size, sha256 and masked content, skipping unchanged content', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watch-'));
    writeFileSync(join(dir, 'before.log'), 'old');
    writeFileSync(join(dir, 'ignored.txt'), 'x');
    const seen: FileReport[] = [];
    const watcher = await startFileWatcher(
      ['*.log', 'reports/**/*.xml'],
      dir,
      (f) => seen.push(f),
      (t) => t.replaceAll('s3cret', '***'),
    );
    writeFileSync(join(dir, 'app.log'), 'token s3cret\n');
    await eventually(() => seen.some((f) => f.path === 'app.log'), 'the live add event');
    mkdirSync(join(dir, 'reports/unit'), { recursive: true });
    writeFileSync(join(dir, 'reports/unit/r.xml'), Buffer.from([0x3c, 0x00, 0x3e]));
    writeFileSync(join(dir, 'before.log'), 'old');
    writeFileSync(join(dir, 'ignored.txt'), 'changed');
    rmSync(join(dir, 'app.log'));
    await watcher.stop();
    const byPath = (p: string) => seen.filter((f) => f.path === p);
    expect(byPath('app.log')[0]).toEqual({
      path: 'app.log',
      event: 'add',
      size: 13,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      content: 'token ***\n',
    });
    expect(byPath('app.log').at(-1)!.event).toBe('unlink');
    expect(byPath('reports/unit/r.xml')[0]).toMatchObject({ event: 'add', size: 3 });
    expect(byPath('reports/unit/r.xml')[0]!.content).toBeUndefined();
    expect(byPath('before.log')).toEqual([]);
    expect(byPath('ignored.txt')).toEqual([]);
  });
});
