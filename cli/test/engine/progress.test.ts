import { describe, expect, it } from 'vitest';
import { duration } from '../../src/lib/engine/format.js';
import { ProgressPrinter } from '../../src/lib/engine/progress.js';
import { makePipeline } from '../../../engine-lite/test/helpers/pipeline.js';

describe('progress', () => {
  const pipeline = makePipeline([{ id: 'a' }, { id: 'b', needs: ['a'] }]);

  it('prints one plain line per change when not on a terminal', () => {
    let out = '';
    const p = new ProgressPrinter(pipeline, { write: (t) => void (out += t), isTTY: false }, {});
    p.onEvent({ type: 'step', runId: 'r', stepId: 'a', status: 'running', attempt: 1, ts: Date.now(), startedAt: 0 });
    p.onEvent({
      type: 'step',
      runId: 'r',
      stepId: 'a',
      status: 'failed',
      attempt: 1,
      ts: Date.now(),
      startedAt: 1000,
      endedAt: 2500,
    });
    p.onEvent({
      type: 'step',
      runId: 'r',
      stepId: 'a',
      status: 'running',
      attempt: 2,
      ts: Date.now(),
      startedAt: 3000,
    });
    p.finish('r', 'failed', 65_000);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d step a running$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d step a failed \(1\.5s\)$/);
    expect(lines[2]).toMatch(/step a running \(attempt 2\)$/);
    expect(lines[3]).toMatch(/^\d\d:\d\d:\d\d run r failed \(1m05s\)$/);
  });

  it('is plain in CI even on a terminal, and a redrawn tree otherwise', () => {
    let out = '';
    const ci = new ProgressPrinter(pipeline, { write: (t) => void (out += t), isTTY: true }, { CI: 'true' });
    expect(ci.live).toBe(false);
    const tty = new ProgressPrinter(pipeline, { write: (t) => void (out += t), isTTY: true }, {});
    tty.draw();
    tty.draw();
    tty.finish('r', 'success', 10);
    expect(out).toContain('\x1b[2A');
    expect(out).toContain('  · b queued');
  });

  it('formats durations', () => {
    expect([duration(5), duration(1500), duration(61_000), duration(undefined)]).toEqual(['5ms', '1.5s', '1m01s', '-']);
  });
});
