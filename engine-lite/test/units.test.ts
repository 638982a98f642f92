import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attemptResult } from '../src/attempt-result.js';
import { ancestors, buildDag } from '../src/dag.js';
import { resolveParams } from '../src/params.js';
import { PriorityQueue } from '../src/queue.js';
import { retryDelaySeconds, hasAttemptsLeft } from '../src/retry.js';
import { textMasker } from '../src/masking.js';
import { envSecret, gatherSecrets } from '../src/secrets.js';
import { assertTransition, canTransition, DONE_STEP_STATUSES, runResult, STEP_TRANSITIONS } from '../src/status.js';
import type { StepStatus } from '../src/status.js';
import { makePipeline } from './helpers/pipeline.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('step state machine', () => {
  it('allows the documented transitions only', () => {
    expect(canTransition('queued', 'running')).toBe(true);
    expect(canTransition('running', 'lost')).toBe(true);
    expect(canTransition('running', 'queued')).toBe(true);
    expect(canTransition('failed', 'queued')).toBe(true);
    expect(canTransition('success', 'queued')).toBe(false);
    expect(canTransition('skipped', 'running')).toBe(false);
    expect(canTransition('queued', 'success')).toBe(false);
    expect(() => assertTransition('x', 'success', 'running')).toThrow(
      /step x: invalid status change success → running \(allowed from success: none\)/,
    );
  });

  it('has no way out of success, skipped and cancelled, and every status is reachable from queued', () => {
    for (const s of ['success', 'skipped', 'cancelled'] as StepStatus[]) expect(STEP_TRANSITIONS[s]).toEqual([]);
    const seen = new Set<StepStatus>(['queued']);
    const todo: StepStatus[] = ['queued'];
    while (todo.length) {
      for (const n of STEP_TRANSITIONS[todo.pop()!]) {
        if (!seen.has(n)) {
          seen.add(n);
          todo.push(n);
        }
      }
    }
    expect(seen.size).toBe(Object.keys(STEP_TRANSITIONS).length);
    for (const s of DONE_STEP_STATUSES) expect(s).not.toBe('queued');
  });

  it('derives the run status from its steps', () => {
    expect(runResult(['success', 'skipped'], false)).toBe('success');
    expect(runResult(['success', 'lost'], false)).toBe('failed');
    expect(runResult(['success', 'cancelled'], false)).toBe('cancelled');
    expect(runResult(['success'], true)).toBe('cancelled');
  });
});

describe('DAG', () => {
  it('names an unknown dependency and a self-dependency', () => {
    expect(() => buildDag([{ id: 'a', needs: ['zz'] }])).toThrow(
      /step "a" needs "zz", which is not a step of this pipeline \(steps: a\)/,
    );
    expect(() => buildDag([{ id: 'a', needs: ['a'] }])).toThrow(/needs itself/);
    expect(() =>
      buildDag([
        { id: 'a', needs: [] },
        { id: 'a', needs: [] },
      ]),
    ).toThrow(/defined twice/);
  });

  it('finds cycles in deep graphs without overflowing the stack', () => {
    const n = 20000;
    const nodes = Array.from({ length: n }, (_, i) => ({
      id: `s${i}`,
      needs: i === 0 ? [`s${n - 1}`] : [`s${i - 1}`],
    }));
    expect(() => buildDag(nodes)).toThrow(/cycle/);
    nodes[0]!.needs = [];
    const dag = buildDag(nodes);
    expect(ancestors(dag, `s${n - 1}`).size).toBe(n - 1);
  });
});

describe('priority queue', () => {
  it('pops by priority, then pipeline priority, then file order, then arrival (property)', () => {
    const item = fc.record({
      priority: fc.integer({ min: -3, max: 3 }),
      pipelinePriority: fc.integer({ min: 0, max: 2 }),
      order: fc.integer({ min: 0, max: 50 }),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 200 }), (items) => {
        const q = new PriorityQueue<{ key: string; priority: number; pipelinePriority: number; order: number }>();
        items.forEach((it, i) => q.push({ ...it, key: String(i) }));
        const out: typeof items = [];
        for (let x = q.pop(); x; x = q.pop()) out.push(x);
        const sorted = items
          .map((it, i) => ({ ...it, key: String(i) }))
          .sort(
            (a, b) =>
              b.priority - a.priority ||
              b.pipelinePriority - a.pipelinePriority ||
              a.order - b.order ||
              Number(a.key) - Number(b.key),
          );
        expect(out).toEqual(sorted);
      }),
    );
  });
});

describe('retry policy', () => {
  it('backs off exponentially up to the cap', () => {
    const p = { count: 5, backoffSeconds: 1, factor: 2, maxSeconds: 5 };
    expect([1, 2, 3, 4, 5].map((a) => retryDelaySeconds(p, a))).toEqual([1, 2, 4, 5, 5]);
    expect(hasAttemptsLeft(p, 5)).toBe(true);
    expect(hasAttemptsLeft(p, 6)).toBe(false);
    expect(hasAttemptsLeft(undefined, 1)).toBe(false);
  });
});

describe('params', () => {
  const p = makePipeline([], {
    params: {
      n: { type: 'number', required: true },
      flag: { type: 'boolean', default: false },
      name: { type: 'string', default: 'x' },
    },
  });
  it('types params and applies defaults', () => {
    expect(resolveParams(p, { n: '3', flag: 'true' })).toEqual({ n: 3, flag: true, name: 'x' });
  });
  it('says what is wrong with bad params', () => {
    expect(() => resolveParams(p, {})).toThrow(/param "n" is required/);
    expect(() => resolveParams(p, { n: 'abc' })).toThrow(/--param n="abc" is not a number/);
    expect(() => resolveParams(p, { n: '1', flag: 'maybe' })).toThrow(/--param flag="maybe" is not a boolean/);
    expect(() => resolveParams(p, { n: '1', typo: 'x' })).toThrow(/this pipeline has no param "typo"/);
  });
});

describe('secrets', () => {
  it('reads env, dotenv and JSON files and flags, later sources winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'caravan-secrets-'));
    writeFileSync(join(dir, 's.env'), '# comment\nexport A="from file"\nB=plain\n');
    writeFileSync(join(dir, 's.json'), '{"C": "json"}');
    expect(
      gatherSecrets({
        env: { CARAVAN_SECRET_A: 'env', CARAVAN_SECRET_D: 'd' },
        file: join(dir, 's.env'),
        flags: ['B=flag=with=equals'],
      }),
    ).toEqual({ A: 'from file', B: 'flag=with=equals', D: 'd' });
    expect(gatherSecrets({ file: join(dir, 's.json') })).toEqual({ C: 'json' });
    // the secret store's key is the engine's setting: never handed to a run as a secret named KEY
    const key = { CARAVAN_SECRET_KEY: 'master-key', CARAVAN_SECRET_KEY_FILE: '/k', CARAVAN_SECRET_KEYS: 'mine' };
    expect(gatherSecrets({ env: key })).toEqual({ KEYS: 'mine' });
    expect(envSecret(key, 'KEY')).toBeUndefined();
    expect(envSecret(key, 'KEY_FILE')).toBeUndefined();
    expect(envSecret(key, 'KEYS')).toBe('mine');
    expect(gatherSecrets({ env: key, flags: ['KEY=given on purpose'] })).toEqual({
      KEYS: 'mine',
      KEY: 'given on purpose',
    });
    writeFileSync(join(dir, 'bad.json'), '{"C": 1}');
    expect(() => gatherSecrets({ file: join(dir, 'bad.json') })).toThrow(/secret "C" must be a string/);
    writeFileSync(join(dir, 'bad.env'), 'just text\n');
    expect(() => gatherSecrets({ file: join(dir, 'bad.env') })).toThrow(/bad\.env:1: expected NAME=value/);
    expect(() => gatherSecrets({ flags: ['novalue'] })).toThrow(/--secret "novalue" must be NAME=VALUE/);
    expect(() => gatherSecrets({ file: join(dir, 'missing') })).toThrow(/cannot read secrets file .*ENOENT/);
  });

  it("masks values and their encodings (base64, JSON, hex, URL) with the agent's rules", () => {
    const m = textMasker(['p@ss"word', 'first-line\nsecond-line']);
    expect(m.mask('x p@ss"word y')).toBe('x *** y');
    expect(m.mask(Buffer.from('p@ss"word').toString('base64'))).toBe('***');
    expect(m.mask(JSON.stringify({ v: 'p@ss"word' }))).toBe('{"v":"***"}');
    expect(m.mask(`hex ${Buffer.from('p@ss"word').toString('hex')}`)).toBe('hex ***');
    expect(m.mask(`url ${encodeURIComponent('p@ss"word')}`)).toBe('url ***');
    expect(m.mask('got second-line only')).toBe('got *** only');
  });

  it('hides a secret of under 4 bytes only as a whole word, as the agent does', () => {
    const m = textMasker(['k3y']);
    expect(m.mask('k3y=1, (k3y), monk3ys')).toBe('***=1, (***), monk3ys');
  });

  it('masks inside structures without breaking them, even for secrets made of JSON syntax', () => {
    const m = textMasker(['"}:{', 'k3y']);
    expect(m.maskDeep({ 'k3y-name': ['a"}:{b', 1, null], nested: { v: 'k3y' } })).toEqual({
      '***-name': ['a***b', 1, null],
      nested: { v: '***' },
    });
  });

  it('leaves everything as it is without secrets', () => {
    const m = textMasker(['', '  ']);
    const value = { a: ['b'] };
    expect(m.active).toBe(false);
    expect(m.maskDeep(value)).toBe(value);
    expect(m.mask('text')).toBe('text');
  });
});

describe('attempt result', () => {
  const report = {
    status: 'failed' as const,
    exitCode: 2,
    signal: null,
    outputs: { a: '1' },
    errors: [{ message: 'boom', kind: 'exit' as const }],
    warnings: [],
    annotations: [],
    files: [],
    stderrExcerpt: ['last'],
    durationMs: 1,
    masked: 0,
  };
  it('lets the report decide, then the exit code, else lost', () => {
    expect(attemptResult(report, { phase: 'exited', exitCode: 0 }, { timedOut: false, cancelled: false })).toEqual({
      status: 'failed',
      exitCode: 2,
      outputs: { a: '1' },
      error: 'boom',
    });
    expect(
      attemptResult(undefined, { phase: 'exited', exitCode: 0 }, { timedOut: false, cancelled: false }).status,
    ).toBe('success');
    expect(
      attemptResult(
        undefined,
        { phase: 'exited', exitCode: 9, message: 'agent crashed' },
        { timedOut: false, cancelled: false },
      ),
    ).toMatchObject({ status: 'failed', error: 'the agent sent no report and exited with code 9: agent crashed' });
    expect(attemptResult(undefined, { phase: 'gone' }, { timedOut: false, cancelled: false }).status).toBe('lost');
  });
  it('turns anything but success into timeout or cancelled when the engine stopped it', () => {
    expect(attemptResult(report, { phase: 'exited', exitCode: 143 }, { timedOut: true, cancelled: false }).status).toBe(
      'timeout',
    );
    expect(attemptResult(report, { phase: 'exited', exitCode: 143 }, { timedOut: false, cancelled: true }).status).toBe(
      'cancelled',
    );
    expect(
      attemptResult(
        { ...report, status: 'success', errors: [] },
        { phase: 'exited', exitCode: 0 },
        { timedOut: false, cancelled: true },
      ).status,
    ).toBe('success');
  });
});
