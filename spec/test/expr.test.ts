import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluate,
  evaluateCondition,
  interpolate,
  listReferences,
  parseExpression,
  type ExprContext,
} from '../src/expr/index.js';

const ctx: ExprContext = {
  params: { target: 'prod', replicas: 3, debug: false, list: ['a', 'b'] },
  steps: {
    build: {
      outputs: { image: 'reg/app:1', json: '{"a":[1,2]}' },
      files: { report: '/w/report.txt' },
      status: 'success',
    },
  },
  secrets: { TOKEN: 's3cr3t-value' },
  env: { HOME: '/root' },
  run: { id: 'run-42' },
  dirs: { build: '/work/build' },
};

function value(src: string, context: ExprContext = ctx): unknown {
  const parsed = parseExpression(src);
  if (!parsed.ok) throw new Error(`parse failed: ${parsed.error.message}`);
  const result = evaluate(parsed.ast, context);
  if (!result.ok) throw new Error(`eval failed: ${result.error.message}`);
  return result.value;
}

function parseError(src: string) {
  const parsed = parseExpression(src);
  expect(parsed.ok).toBe(false);
  return (parsed as Extract<typeof parsed, { ok: false }>).error;
}

describe('expressions: contexts', () => {
  it('reads params, steps, secrets, env, run and Erda forms', () => {
    expect(value('params.target')).toBe('prod');
    expect(value('params.replicas')).toBe(3);
    expect(value('steps.build.outputs.image')).toBe('reg/app:1');
    expect(value('steps.build.files.report')).toBe('/w/report.txt');
    expect(value('steps.build.status')).toBe('success');
    expect(value('secrets.TOKEN')).toBe('s3cr3t-value');
    expect(value('env.HOME')).toBe('/root');
    expect(value('run.id')).toBe('run-42');
    expect(value('outputs.build.image')).toBe('reg/app:1');
    expect(value('dirs.build')).toBe('/work/build');
  });
  it('indexes with [] and yields null for what is missing', () => {
    expect(value("steps['build'].outputs['image']")).toBe('reg/app:1');
    expect(value('params.list[1]')).toBe('b');
    expect(value('params.list[7]')).toBeNull();
    expect(value('params.nope')).toBeNull();
    expect(value('steps.ghost.outputs.x')).toBeNull();
    expect(value('params.target.length')).toBeNull();
    expect(value("params['__proto__']")).toBeNull();
  });
  it('accepts step ids with - and _, and ids that start with a digit', () => {
    expect(value('steps.build-1_x.status', { steps: { 'build-1_x': { status: 'failed' } } })).toBe('failed');
    expect(value('steps.1st.outputs.x', { steps: { '1st': { outputs: { x: 'y' } } } })).toBe('y');
    expect(value('params.list.0')).toBe('a');
    expect(value('.5 < 1')).toBe(true);
    expect(value('params.replicas-1', { params: { 'replicas-1': 7 } })).toBe(7);
  });
});

describe('expressions: operators and literals', () => {
  it('compares and combines', () => {
    expect(value("params.target == 'prod'")).toBe(true);
    expect(value("params.target != 'prod'")).toBe(false);
    expect(value('params.replicas > 2 && params.replicas <= 3')).toBe(true);
    expect(value('params.replicas < 2 || params.replicas >= 4')).toBe(false);
    expect(value('!params.debug')).toBe(true);
    expect(value('!(1 == 1)')).toBe(false);
    expect(value("'a' < 'b'")).toBe(true);
  });
  it('has GitHub-like coercion: numbers against strings compare as numbers', () => {
    expect(value("'3' == 3")).toBe(true);
    expect(value("'' == 0")).toBe(true);
    expect(value('null == 0')).toBe(true);
    expect(value("'abc' == 0")).toBe(false);
    expect(value('true == 1')).toBe(true);
    expect(value("'a' < 1")).toBe(false);
  });
  it('returns operands from && and ||', () => {
    expect(value("params.nope || 'fallback'")).toBe('fallback');
    expect(value("params.target && 'yes'")).toBe('yes');
  });
  it('reads literals', () => {
    expect(value("'it''s'")).toBe("it's");
    expect(value('-1.5')).toBe(-1.5);
    expect(value('0xff')).toBe(255);
    expect(value('1e3')).toBe(1000);
    expect(value('null')).toBeNull();
    expect(value('true')).toBe(true);
  });
});

describe('expressions: functions', () => {
  it('toJSON, fromJSON, format, contains, startsWith, endsWith', () => {
    expect(value('toJSON(params.list)')).toBe('["a","b"]');
    expect(value('fromJSON(steps.build.outputs.json).a[1]')).toBe(2);
    expect(value("format('{0}-{1}-{0}', run.id, params.replicas)")).toBe('run-42-3-run-42');
    expect(value("format('{{literal}} {0}', 'x')")).toBe('{literal} x');
    expect(value("contains(params.list, 'b')")).toBe(true);
    expect(value("contains('hello', 'ell')")).toBe(true);
    expect(value("startsWith(steps.build.outputs.image, 'reg/')")).toBe(true);
    expect(value("endsWith(steps.build.outputs.image, ':2')")).toBe(false);
  });
  it('fromJSON of bad JSON is an error that does not quote the input (it may be a secret)', () => {
    const parsed = parseExpression('fromJSON(secrets.TOKEN)');
    expect(parsed.ok).toBe(true);
    const result = evaluate((parsed as { ok: true; ast: never }).ast, ctx);
    expect(result.ok).toBe(false);
    const error = (result as { ok: false; error: { message: string } }).error;
    expect(error.message).toMatch(/not valid JSON/);
    expect(JSON.stringify(error)).not.toContain('s3cr3t');
  });
  it('format with a missing argument or a stray brace is an error', () => {
    for (const src of ["format('{1}', 'a')", "format('{x}', 'a')", "format('a}', 'a')", "format('{0', 'a')"]) {
      const parsed = parseExpression(src);
      expect(parsed.ok).toBe(true);
      expect(evaluate((parsed as { ok: true; ast: never }).ast, ctx).ok).toBe(false);
    }
  });
});

describe('expressions: malformed input gives errors with offsets, never exceptions', () => {
  it.each([
    ['params.', /property name/],
    ['params.x ==', /unexpected end/],
    ['(params.x', /expected '\)'/],
    ["'unterminated", /unterminated string/],
    ['"double"', /unexpected character/],
    ['params.x = 1', /unexpected '='/],
    ['params.x & 1', /unexpected '&'/],
    ['', /empty expression/],
    ['   ', /empty expression/],
    ['params.a params.b', /after the end/],
    ['foo(1)', /unknown function "foo"/],
    ['toJson(1)', /unknown function "toJson"/],
    ['success(1)', /takes 0 arguments/],
    ['contains(1)', /takes 2 arguments/],
    ['toJSON()', /takes 1 argument, got 0/],
    ['format()', /takes at least 1/],
    ['configs.x', /unknown context "configs"/],
    ['param.x', /unknown context "param"/],
    ['1 +', /unexpected character/],
    ['a[', /unknown context/],
    ['params[', /unexpected end/],
    ['12abc', /invalid number/],
  ])('%s', (src, message) => {
    const error = parseError(src);
    expect(error.message).toMatch(message);
    expect(error.offset).toBeGreaterThanOrEqual(0);
    expect(error.offset).toBeLessThanOrEqual(src.length);
  });
  it('points at the offending token', () => {
    expect(parseError("params.x == 'a' && foo()").offset).toBe(19);
    expect(parseError('param.x').hint).toBe('did you mean "params"?');
    expect(parseError('toJson(1)').hint).toBe('did you mean "toJSON"?');
  });
  it('caps nesting depth instead of overflowing the stack', () => {
    for (const src of [
      '('.repeat(10_000) + '1' + ')'.repeat(10_000),
      '!'.repeat(10_000) + 'true',
      'toJSON('.repeat(5_000) + '1' + ')'.repeat(5_000),
      'params' + '[0]'.repeat(5000),
      Array(500).fill('1').join(' || '),
    ]) {
      const error = parseError(src);
      expect(error.message).toMatch(/nests deeper than 64|over the limit/);
    }
    expect(value('('.repeat(30) + '1' + ')'.repeat(30))).toBe(1);
  });
  it('refuses huge input', () => {
    expect(parseError("'" + 'x'.repeat(100_000) + "'").message).toMatch(/over the limit/);
  });
  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (src) => {
        const parsed = parseExpression(src);
        if (parsed.ok) evaluate(parsed.ast, ctx);
        interpolate(src, ctx);
        evaluateCondition(src, ctx);
        listReferences(src);
      }),
      { numRuns: 2000 },
    );
    const alphabet = fc.constantFrom(
      ...[
        "'",
        '(',
        ')',
        '[',
        ']',
        '.',
        ',',
        '!',
        '=',
        '<',
        '&',
        '|',
        ' ',
        'params',
        'steps',
        'x',
        '1',
        '${{',
        '}}',
        'format(',
        'success()',
      ],
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const src = parts.join('');
        const parsed = parseExpression(src);
        if (parsed.ok) evaluate(parsed.ast, ctx);
        interpolate(src, ctx);
        evaluateCondition(src, ctx);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('interpolate', () => {
  it('returns the raw value for a string that is exactly one expression', () => {
    expect(interpolate('${{ params.replicas }}', ctx)).toEqual({ ok: true, value: 3 });
    expect(interpolate('${{ params.list }}', ctx)).toEqual({ ok: true, value: ['a', 'b'] });
  });
  it('stringifies each expression inside text', () => {
    expect(
      interpolate(
        'n=${{ params.replicas }} img=${{ steps.build.outputs.image }} x=${{ params.nope }} l=${{ params.list }}',
        ctx,
      ),
    ).toEqual({
      ok: true,
      value: 'n=3 img=reg/app:1 x= l=["a","b"]',
    });
    expect(interpolate("${{ '}}' }} and ${{ 'a' }}", ctx)).toEqual({ ok: true, value: '}} and a' });
    expect(interpolate('no expressions', ctx)).toEqual({ ok: true, value: 'no expressions' });
  });
  it('reports an unclosed ${{ and errors with offsets in the template', () => {
    const unclosed = interpolate('abc ${{ params.x', ctx);
    expect(unclosed).toMatchObject({ ok: false, error: { message: 'unclosed "${{"', offset: 4 } });
    const bad = interpolate('abc ${{ nope.x }}', ctx);
    expect(bad).toMatchObject({ ok: false, error: { message: 'unknown context "nope"', offset: 8 } });
  });
  it('refuses a huge template', () => {
    expect(interpolate('x'.repeat(2 * 1024 * 1024), ctx).ok).toBe(false);
  });
});

describe('evaluateCondition', () => {
  it('accepts conditions with or without ${{ }}', () => {
    expect(evaluateCondition("params.target == 'prod'", ctx)).toEqual({ ok: true, value: true });
    expect(evaluateCondition("${{ params.target == 'dev' }}", ctx)).toEqual({ ok: true, value: false });
    expect(evaluateCondition("  ${{ params.target == 'prod' }}  ", ctx)).toEqual({ ok: true, value: true });
  });
  it('means success() && condition unless a status function is used', () => {
    const failed: ExprContext = { ...ctx, status: { success: false, failure: true, cancelled: false } };
    expect(evaluateCondition('true', failed)).toEqual({ ok: true, value: false });
    expect(evaluateCondition('failure()', failed)).toEqual({ ok: true, value: true });
    expect(evaluateCondition('always()', failed)).toEqual({ ok: true, value: true });
    expect(evaluateCondition('success()', failed)).toEqual({ ok: true, value: false });
    expect(evaluateCondition('success()', ctx)).toEqual({ ok: true, value: true });
    expect(evaluateCondition('cancelled()', { status: { success: false, failure: false, cancelled: true } })).toEqual({
      ok: true,
      value: true,
    });
  });
  it('refuses text around the expression and malformed conditions', () => {
    expect(evaluateCondition("${{ params.x }} == 'a'", ctx).ok).toBe(false);
    expect(evaluateCondition('${{ params.x', ctx)).toMatchObject({ ok: false, error: { message: 'unclosed "${{"' } });
    expect(evaluateCondition('params.x ==', ctx).ok).toBe(false);
  });
});

describe('listReferences', () => {
  it('lists context paths with offsets in the template', () => {
    const template =
      "x ${{ steps.build.outputs['image'] }} ${{ format('{0}', params.target, outputs.a.b, dirs.c) }} ${{ secrets[params.k].x }}";
    const refs = listReferences(template);
    expect(refs.map((r) => [r.context, r.path])).toEqual([
      ['steps', ['build', 'outputs', 'image']],
      ['params', ['target']],
      ['outputs', ['a', 'b']],
      ['dirs', ['c']],
      ['secrets', []],
      ['params', ['k']],
    ]);
    expect(template.slice(refs[0]?.offset, (refs[0]?.offset ?? 0) + 5)).toBe('steps');
    expect(template.slice(refs[1]?.offset, (refs[1]?.offset ?? 0) + 6)).toBe('params');
  });
  it('skips malformed expressions', () => {
    expect(listReferences('${{ params. }} ${{ params.ok }}')).toEqual([
      { context: 'params', path: ['ok'], offset: 19 },
    ]);
    expect(listReferences('${{ params.x')).toEqual([]);
  });
});
