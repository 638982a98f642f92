import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isAlive, processStartTicks } from '../src/process-alive.js';

describe('isAlive', () => {
  it('knows this process, and tells a reused pid by its start time', () => {
    const ticks = processStartTicks(process.pid);
    expect(ticks).toBeGreaterThan(0);
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(process.pid, ticks)).toBe(true);
    expect(isAlive(process.pid, (ticks ?? 0) + 1)).toBe(false);
  });

  it('says an exited process and a nonsense pid are gone', async () => {
    const done = spawnSync('true');
    expect(isAlive(done.pid ?? -1)).toBe(false);
    const child = spawn('sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    expect(isAlive(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(isAlive(child.pid!)).toBe(false);
    for (const pid of [0, -1, 1.5, Number.NaN]) expect(isAlive(pid)).toBe(false);
  });
});
