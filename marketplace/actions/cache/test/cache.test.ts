import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, errorMessages, runAction } from '../../test-helpers.js';

beforeAll(buildAgent);

function workspaceWithDeps(): string {
  const ws = mkdtempSync(join(tmpdir(), 'caravan-cache-ws-'));
  mkdirSync(join(ws, 'deps', 'nested'), { recursive: true });
  writeFileSync(join(ws, 'deps', 'a.txt'), 'alpha');
  writeFileSync(join(ws, 'deps', 'nested', 'b.txt'), 'beta');
  symlinkSync('a.txt', join(ws, 'deps', 'link'));
  return ws;
}

describe('caravan/cache under the agent', () => {
  it('misses, saves, then restores the exact key into another workspace', async () => {
    const store = mkdtempSync(join(tmpdir(), 'caravan-cache-store-'));
    const env = { CARAVAN_CACHE_DIR: store };
    const ws = workspaceWithDeps();

    const miss = await runAction('cache', { mode: 'restore', key: 'deps-v1', path: 'other' }, { env, workdir: ws });
    expect(miss.exitCode).toBe(0);
    expect(miss.report.outputs).toMatchObject({ hit: 'false', 'matched-key': '' });

    const save = await runAction('cache', { mode: 'save', key: 'deps-v1', path: 'deps' }, { env, workdir: ws });
    expect(save.exitCode).toBe(0);
    expect(save.report.outputs.saved).toBe('true');
    const again = await runAction('cache', { mode: 'save', key: 'deps-v1', path: 'deps' }, { env, workdir: ws });
    expect(again.report.outputs.saved).toBe('false');
    expect(again.stdout).toContain('already exists');

    const ws2 = mkdtempSync(join(tmpdir(), 'caravan-cache-ws2-'));
    const hit = await runAction('cache', { mode: 'restore', key: 'deps-v1', path: 'deps' }, { env, workdir: ws2 });
    expect(hit.report.outputs).toMatchObject({ hit: 'true', 'matched-key': 'deps-v1' });
    expect(readFileSync(join(ws2, 'deps', 'nested', 'b.txt'), 'utf8')).toBe('beta');
    expect(readlinkSync(join(ws2, 'deps', 'link'))).toBe('a.txt');
  });

  it('falls back on the newest entry matching a restore-keys prefix', async () => {
    const store = mkdtempSync(join(tmpdir(), 'caravan-cache-store-'));
    const env = { CARAVAN_CACHE_DIR: store };
    const ws = workspaceWithDeps();
    await runAction('cache', { mode: 'save', key: 'deps-linux-aaa', path: 'deps' }, { env, workdir: ws });
    writeFileSync(join(ws, 'deps', 'a.txt'), 'alpha-2');
    await runAction('cache', { mode: 'save', key: 'deps-linux-bbb', path: 'deps' }, { env, workdir: ws });
    const ws2 = mkdtempSync(join(tmpdir(), 'caravan-cache-ws2-'));
    const run = await runAction(
      'cache',
      { mode: 'restore', key: 'deps-linux-ccc', path: 'deps', 'restore-keys': ['deps-mac-', 'deps-linux-'] },
      { env, workdir: ws2 },
    );
    expect(run.report.outputs).toMatchObject({ hit: 'false', 'matched-key': 'deps-linux-bbb' });
    expect(readFileSync(join(ws2, 'deps', 'a.txt'), 'utf8')).toBe('alpha-2');
  });

  it('warns, without failing, when there is nothing to save', async () => {
    const store = mkdtempSync(join(tmpdir(), 'caravan-cache-store-'));
    const run = await runAction(
      'cache',
      { mode: 'save', key: 'k', path: 'absent' },
      { env: { CARAVAN_CACHE_DIR: store } },
    );
    expect(run.exitCode).toBe(0);
    expect(run.report.outputs.saved).toBe('false');
    expect(
      run.report.annotations.some((a) => a.level === 'warning' && /is not a directory: nothing saved/.test(a.message)),
    ).toBe(true);
  });

  it('rejects bad inputs and a missing cache store clearly', async () => {
    const env = { CARAVAN_CACHE_DIR: mkdtempSync(join(tmpdir(), 'caravan-cache-store-')) };
    expect(errorMessages(await runAction('cache', { key: 'k', path: 'p' }, { env }))).toMatch(
      /input "mode" is required/,
    );
    expect(errorMessages(await runAction('cache', { mode: 'load', key: 'k', path: 'p' }, { env }))).toMatch(
      /input "mode" must be one of "restore", "save", got "load"/,
    );
    expect(errorMessages(await runAction('cache', { mode: 'save', path: 'p' }, { env }))).toMatch(
      /input "key" is required/,
    );
    expect(errorMessages(await runAction('cache', { mode: 'save', key: 'x'.repeat(600), path: 'p' }, { env }))).toMatch(
      /600 characters long; a cache key has at most 512/,
    );
    expect(errorMessages(await runAction('cache', { mode: 'save', key: 'a\u0007b', path: 'p' }, { env }))).toMatch(
      /one line of text without control characters/,
    );
    const noStore = await runAction('cache', { mode: 'restore', key: 'k', path: 'p' });
    expect(noStore.exitCode).not.toBe(0);
    expect(errorMessages(noStore)).toMatch(/CARAVAN_CACHE_DIR is not set/);
    expect(existsSync(join(env.CARAVAN_CACHE_DIR, 'p'))).toBe(false);
  });
});
