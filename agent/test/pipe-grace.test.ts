import { describe, expect, it } from 'vitest';
import { PipeGrace } from '../src/pipe-grace.js';
import { FakeClock } from './helpers/fakes.js';

function setup(groupAlive: boolean | undefined) {
  const clock = new FakeClock();
  const calls: string[] = [];
  const warnings: string[] = [];
  const action = {
    kill: (signal: NodeJS.Signals) => void calls.push(signal),
    closeStreams: () => void calls.push('close'),
    ...(groupAlive === undefined ? {} : { groupAlive: () => groupAlive }),
  };
  const grace = new PipeGrace(clock, 1000, action, (m) => void warnings.push(m));
  return { clock, calls, warnings, grace };
}

describe('the pipe grace after the action exits', () => {
  it('kills background holders and stops reading when no output came for a grace period', () => {
    const { clock, calls, warnings, grace } = setup(true);
    grace.start();
    clock.advance(999);
    expect(calls).toEqual([]);
    clock.advance(1);
    expect(calls).toEqual(['SIGKILL', 'close']);
    expect(warnings).toEqual([expect.stringMatching(/background still held its output open.*redirected/)]);
    expect(grace.killedHolders).toBe(true);
  });

  it('keeps reading while output still flows, however long it takes, then closes once it stops', () => {
    const { clock, calls, warnings, grace } = setup(false);
    grace.start();
    for (let i = 0; i < 10; i++) {
      grace.flowed();
      clock.advance(1000);
    }
    expect(calls).toEqual([]);
    expect(warnings).toEqual([]);
    clock.advance(1000);
    expect(calls).toEqual(['close']);
    expect(warnings).toEqual([
      expect.stringMatching(/outside the action's process group .*redirect its output to a file/),
    ]);
  });

  it('kills live holders once, then waits for what they wrote to drain', () => {
    const { clock, calls, grace } = setup(true);
    grace.start();
    grace.flowed();
    clock.advance(1000);
    expect(calls).toEqual(['SIGKILL']);
    grace.flowed();
    clock.advance(1000);
    expect(calls).toEqual(['SIGKILL']);
    clock.advance(1000);
    expect(calls).toEqual(['SIGKILL', 'close']);
  });

  it('does nothing once the pipes closed by themselves', () => {
    const { clock, calls, warnings, grace } = setup(true);
    grace.start();
    grace.stop();
    clock.advance(5000);
    expect(calls).toEqual([]);
    expect(warnings).toEqual([]);
    expect(clock.pending()).toBe(0);
  });

  it('takes a runner that cannot tell whether the group lives as one whose group lives', () => {
    const { clock, calls, grace } = setup(undefined);
    grace.start();
    clock.advance(1000);
    expect(calls).toEqual(['SIGKILL', 'close']);
  });
});
