/**
 * Nothing an action starts outlives its step: processes it leaves in the background are killed
 * when it exits, and when the agent itself is SIGKILLed its sentinel kills the action's group.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentBundle } from '../helpers/build-agent.js';
import { eventually, runAgent } from '../helpers/run-agent.js';

let agent: string;
beforeAll(async () => {
  agent = await buildAgentBundle();
});
afterAll(() => rmSync(dirname(agent), { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // a zombie still answers kill(0); its state says it is gone
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const pidIn = (file: string) => Number(readFileSync(file, 'utf8').trim());

describe('nothing outlives its step', () => {
  it('kills what the action left running in the background and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-outlive-'));
    const r = await runAgent(agent, ['sh', '-c', 'sleep 300 >/dev/null 2>&1 & echo $! > bg.pid; echo started'], {
      cwd: dir,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('processes the action started in the background were still running');
    const bg = pidIn(join(dir, 'bg.pid'));
    await eventually(() => !alive(bg), `background pid ${bg} to be gone`);
    expect(alive(bg)).toBe(false);
  });

  it('kills a background process that holds the output open, keeping every line the action printed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-outlive-'));
    const r = await runAgent(agent, ['sh', '-c', 'sleep 300 & echo $! > bg.pid; echo last line'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('last line\n');
    expect(r.stderr).toContain('processes the action started in the background still held its output open');
    const bg = pidIn(join(dir, 'bg.pid'));
    await eventually(() => !alive(bg), `background pid ${bg} to be gone`);
  });

  it("stops reading output held open by a process that left the action's group, and says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-outlive-'));
    const r = await runAgent(agent, ['sh', '-c', 'setsid sleep 300 & echo $! > bg.pid; echo last line'], { cwd: dir });
    try {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('last line\n');
      expect(r.stderr).toContain(
        "a process outside the action's process group (started with setsid or as a daemon) still held its output open",
      );
      expect(r.stderr).toContain('redirect its output to a file');
    } finally {
      process.kill(pidIn(join(dir, 'bg.pid')), 'SIGKILL');
    }
  });

  it('a SIGKILLed agent leaves no process of its action behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-outlive-'));
    const script = 'sleep 300 >/dev/null 2>&1 & echo $! > bg.pid; echo $$ > fg.pid; echo ready; sleep 300';
    const r = await runAgent(agent, ['sh', '-c', script], {
      cwd: dir,
      onStart: (pid, out) =>
        void eventually(() => out.stdout().includes('ready'), 'ready').then(() => process.kill(pid, 'SIGKILL')),
    });
    expect(r.signal).toBe('SIGKILL');
    const pids = [pidIn(join(dir, 'bg.pid')), pidIn(join(dir, 'fg.pid'))];
    await eventually(() => pids.every((p) => !alive(p)), `action pids ${pids.join(', ')} to be gone`);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('a SIGKILLed agent leaves nothing behind of a quiet action either (its sentinel starts shortly after it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-outlive-'));
    const script = 'sleep 300 >/dev/null 2>&1 & echo $! > bg.pid; echo $$ > fg.pid; sleep 300';
    const sentinelUp = () => {
      try {
        return readFileSync(join(dir, 'fg.pid'), 'utf8') !== '' && sentinelsOf(pidIn(join(dir, 'fg.pid'))) > 0;
      } catch {
        return false;
      }
    };
    const r = await runAgent(agent, ['sh', '-c', script], {
      cwd: dir,
      onStart: (pid) => void eventually(sentinelUp, 'the sentinel').then(() => process.kill(pid, 'SIGKILL')),
    });
    expect(r.signal).toBe('SIGKILL');
    const pids = [pidIn(join(dir, 'bg.pid')), pidIn(join(dir, 'fg.pid'))];
    await eventually(() => pids.every((p) => !alive(p)), `action pids ${pids.join(', ')} to be gone`);
    expect(pids.filter(alive)).toEqual([]);
  });
});

/** Sentinel shells watching this process group (their command line names it). */
function sentinelsOf(pgid: number): number {
  let found = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes('caravan-sentinel') && args.includes(String(pgid))) found++;
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
