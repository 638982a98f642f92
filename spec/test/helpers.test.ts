import { describe, expect, it } from 'vitest';
import { actionScope, isActionName, parseUses } from '../src/action-name.js';
import { closest, levenshtein, suggestion } from '../src/did-you-mean.js';
import { parseDuration } from '../src/duration.js';
import { parseActionYaml } from '../src/action-parse.js';
import { validateJson } from '../src/schemas.js';

describe('action names and uses', () => {
  it('splits scope/name@range for the three scopes', () => {
    expect(parseUses('caravan/git-checkout@^1')).toEqual({ ok: true, name: 'caravan/git-checkout', range: '^1' });
    expect(parseUses('acme/payments/deploy@~1.2')).toEqual({ ok: true, name: 'acme/payments/deploy', range: '~1.2' });
    expect(parseUses('~alice/lint@*')).toEqual({ ok: true, name: '~alice/lint', range: '*' });
    expect(actionScope('acme/payments/deploy')).toBe('acme/payments');
    expect(actionScope('~alice/lint')).toBe('~alice');
  });
  it('refuses what is not a name or a range', () => {
    expect(parseUses('caravan/git')).toMatchObject({
      ok: false,
      part: 'range',
      message: '"caravan/git" has no version range',
    });
    expect(parseUses('caravan/git@latest')).toMatchObject({ ok: false, part: 'range' });
    expect(parseUses('Caravan/Git@1')).toMatchObject({ ok: false, part: 'name' });
    for (const bad of ['a', 'a/b/c/d', '~a/b/c', '-a/b', 'a//b', 'a/b/', 'A/b', 'a_b/c'])
      expect(isActionName(bad), bad).toBe(false);
  });
});

describe('durations', () => {
  it('reads numbers and h/m/s text', () => {
    expect(parseDuration(90)).toBe(90);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('10m')).toBe(600);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('1h2m3s')).toBe(3723);
  });
  it('refuses anything else', () => {
    for (const bad of [0, -1, NaN, Infinity, '', '0s', '10', '1d', 'm', '10 m', '1m1h', null, {}])
      expect(parseDuration(bad), String(bad)).toBeUndefined();
  });
});

describe('did you mean', () => {
  it('measures edits and suggests near words only', () => {
    expect(levenshtein('requied', 'required')).toBe(1);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(closest('defaule', ['default', 'description'])).toBe('default');
    expect(closest('zzzzzz', ['default', 'description'])).toBeUndefined();
    expect(suggestion('zzz', ['a', 'b'])).toBe('valid: a, b');
    expect(levenshtein('bulid', 'build')).toBe(1);
    expect(closest('bulid', ['build', 'test'])).toBe('build');
    expect(closest('b', ['a'])).toBeUndefined();
    expect(closest('env', ['envs', 'steps'])).toBe('envs');
    expect(closest('bool', ['boolean'])).toBeUndefined();
  });
});

describe('a parsed ActionSpec is valid against action.schema.json', () => {
  it('round-trips', () => {
    const result = parseActionYaml(
      'name: a/b\nversion: 1.0.0\ninputs:\n  x: { default: y }\noutputs:\n  o: {}\nruns: { node: i.js }\nfiles: [{ name: f, path: p }]\ntimeout: 1m\n',
      'a.yml',
    );
    expect(result.ok).toBe(true);
    if (result.ok) expect(validateJson('action', result.value)).toEqual({ ok: true });
  });
});
