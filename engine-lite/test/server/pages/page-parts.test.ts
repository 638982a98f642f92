/** The run pages' parts without a browser: ANSI segments, log tails, the live stream's `from`, the DAG. */
import { describe, expect, it } from 'vitest';
import { ansiHtml, ansiSegments } from '../../../src/server/pages/ansi.js';
import { dagSvg } from '../../../src/server/pages/dag.js';
import { parseFrom } from '../../../src/server/pages/log-follow.js';
import { EndedRunTails, logTails, TAIL_CHARS_PER_PAGE, TAIL_LINES } from '../../../src/server/pages/log-tail.js';
import type { StoredLogEntry } from '../../../src/store/types.js';

const E = '\u001b';

describe('ANSI', () => {
  it('turns SGR codes into fixed class names and resets them', () => {
    expect(ansiSegments(`${E}[1;31mred${E}[0m plain ${E}[92mbright${E}[39m`)).toEqual([
      { text: 'red', cls: 'a-b a-fg1' },
      { text: ' plain ', cls: '' },
      { text: 'bright', cls: 'a-fg10' },
    ]);
    expect(ansiSegments(`${E}[38;5;4mblue${E}[38;2;1;2;3mtrue`)).toEqual([
      // True colour is dropped: the text keeps the colour before it.
      { text: 'bluetrue', cls: 'a-fg4' },
    ]);
  });

  it('escapes the text and drops other escapes and control characters', () => {
    const out = ansiHtml(`${E}[31m<script>alert("x")</script>${E}[0m${E}]0;title\u0007${E}[2K\u0000&`);
    expect(out).toBe('<span class="a-fg1">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</span>&amp;');
  });

  it('never emits a class it did not make, whatever the codes', () => {
    const out = ansiHtml(`${E}[999;-1;38;5;200;48;5mX${E}[;;m${E}[`);
    for (const m of out.matchAll(/class="([^"]*)"/g)) expect(m[1]).toMatch(/^(a-[a-z]+\d*\s?)+$/);
    expect(out).toContain('X');
  });
});

function lines(step: string, n: number, text = 'x'.repeat(80)): StoredLogEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    stepId: step,
    taskId: `r.${step}.1`,
    seq: i,
    stream: 'stdout',
    text,
    ts: i,
  }));
}

describe('log tails', () => {
  it('keep the last lines of each step, bounded per step and per page, reading no more than those', async () => {
    const steps = Array.from({ length: 200 }, (_, i) => `s${i}`);
    const asked: number[] = [];
    const tails = await logTails(async (limit) => {
      asked.push(limit);
      // s1 has no lines: the store leaves it out.
      return new Map(
        steps
          .filter((s) => s !== 's1')
          .map((step) => {
            const all = lines(step, 1000);
            return [step, { total: all.length, tail: all.slice(-limit) }];
          }),
      );
    }, steps);
    expect(asked).toEqual([TAIL_LINES]);
    expect(tails.get('s1')).toEqual({ total: 0, tail: [] });
    expect(tails.get('s0')).toMatchObject({ total: 1000 });
    expect(tails.get('s0')!.tail).toHaveLength(TAIL_LINES);
    expect(tails.get('s0')!.tail.at(-1)!.seq).toBe(999);
    let chars = 0;
    for (const t of tails.values()) chars += t.tail.reduce((n, l) => n + l.text.length + 1, 0);
    expect(chars).toBeLessThanOrEqual(TAIL_CHARS_PER_PAGE);
    expect(tails.get('s199')!.total).toBe(1000);
  });
});

describe('live log stream', () => {
  it('reads step:count pairs and ignores bad ones', () => {
    const from = parseFrom('build:12,a%3Ab:3,bad,:4,x:-1,y:1.5,z:abc,w:7');
    expect([...from]).toEqual([
      ['build', 12],
      ['a:b', 3],
      ['w', 7],
    ]);
    expect(parseFrom(undefined).size).toBe(0);
  });
});

describe('DAG', () => {
  it('draws 200 steps with their edges, each node with its status and an escaped name', () => {
    const steps = Array.from({ length: 200 }, (_, i) => ({
      id: `step-${i}`,
      needs: i ? [`step-${Math.floor(i / 2)}`] : [],
    }));
    const svg = dagSvg('run-200', steps, (id) => (id === 'step-0' ? 'success' : 'queued')).text;
    expect(svg.match(/<g\s+class="node/g)).toHaveLength(200);
    expect(svg.match(/<path class="edge"/g)).toHaveLength(199);
    expect(svg).toMatch(/class="node st-success"\s+data-step="step-0"/);
    const hostile = dagSvg('run-x', [{ id: '<b>"x"', needs: ['missing'] }], () => 'running').text;
    expect(hostile).not.toContain('<b>');
    expect(hostile).toContain('&lt;b&gt;&quot;x&quot;');
  });
});

describe("ended runs' tails", () => {
  it('are read once while the run stays ended, and again once it lives (a resumed run)', async () => {
    const cache = new EndedRunTails(2);
    let reads = 0;
    const read = async () => {
      reads++;
      return new Map([['a', { total: reads, tail: lines('a', reads) }]]);
    };
    expect((await cache.get('r1', true, read, ['a'])).get('a')!.total).toBe(1);
    expect((await cache.get('r1', true, read, ['a'])).get('a')!.total).toBe(1);
    expect(reads).toBe(1);
    expect((await cache.get('r1', false, read, ['a'])).get('a')!.total).toBe(2);
    expect((await cache.get('r1', true, read, ['a'])).get('a')!.total).toBe(3);
    expect(reads).toBe(3);
  });
});
