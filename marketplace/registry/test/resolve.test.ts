import { describe, expect, it } from 'vitest';
import type { RegistryError } from '../src/errors.js';
import { resolveSpec, type Candidate } from '../src/resolve.js';

const c = (version: string, extra: Partial<Candidate> = {}): Candidate => ({
  version,
  integrity: `sha512-${version}`,
  yanked: false,
  deleted: false,
  ...extra,
});
const versions = [
  c('1.0.0'),
  c('1.2.0'),
  c('1.2.5'),
  c('1.3.0', { yanked: true }),
  c('1.4.0-beta.1'),
  c('2.0.0', { deprecated: 'use 3' }),
  c('3.0.0-rc.1'),
  c('9.0.0', { deleted: true }),
  c('10.0.0'),
];
const tags = { latest: '10.0.0', beta: '1.4.0-beta.1' };
const resolve = (spec: string, includePrerelease = false) =>
  resolveSpec('acme/lint', spec, versions, tags, { includePrerelease }).version;

function failure(spec: string): RegistryError {
  try {
    resolveSpec('acme/lint', spec, versions, tags);
  } catch (err) {
    return err as RegistryError;
  }
  throw new Error(`expected ${spec} to fail`);
}

describe('resolveSpec', () => {
  it.each([
    ['1.2.0', '1.2.0'],
    ['v1.2.0', '1.2.0'],
    ['=1.2.5', '1.2.5'],
    ['^1.2', '1.2.5'],
    ['~1.2.3', '1.2.5'],
    ['1', '1.2.5'],
    ['v1', '1.2.5'],
    ['1.x', '1.2.5'],
    ['>=1 <3', '2.0.0'],
    ['latest', '10.0.0'],
    ['', '10.0.0'],
    ['*', '10.0.0'],
    ['beta', '1.4.0-beta.1'],
    ['^10', '10.0.0'],
  ])('%s → %s', (spec, expected) => {
    expect(resolve(spec)).toBe(expected);
  });

  it('uses semver order, never text order', () => {
    expect(resolve('>=2')).toBe('10.0.0');
  });

  it('gives pre-releases only when asked', () => {
    expect(resolve('^1.4.0-beta.0')).toBe('1.4.0-beta.1');
    expect(resolve('^3.0.0-rc.0')).toBe('3.0.0-rc.1');
    expect(resolve('^1', true)).toBe('1.4.0-beta.1');
    expect(() => resolve('^3')).toThrow(/nothing matches/);
  });

  it('skips yanked versions unless pinned exactly, and warns when pinned', () => {
    expect(failure('~1.3.0').status).toBe(404);
    const pinned = resolveSpec('acme/lint', '1.3.0', versions, tags);
    expect(pinned.version).toBe('1.3.0');
    expect(pinned.warnings.join()).toMatch(/yanked/);
    expect(resolveSpec('acme/lint', 'sha512-1.3.0', versions, tags).version).toBe('1.3.0');
  });

  it('allows deprecated versions with a warning', () => {
    const r = resolveSpec('acme/lint', '^2', versions, tags);
    expect(r).toMatchObject({ version: '2.0.0', deprecated: 'use 3' });
    expect(r.warnings[0]).toMatch(/deprecated: use 3/);
  });

  it('resolves by integrity', () => {
    expect(resolve('sha512-1.2.0')).toBe('1.2.0');
    expect(failure('sha512-nope').message).toMatch(/no version has this integrity/);
  });

  it('says what exists when nothing matches, and why a deleted version is gone', () => {
    const e = failure('^5');
    expect(e.status).toBe(404);
    expect(e.message).toMatch(/available: 10\.0\.0, 3\.0\.0-rc\.1, 2\.0\.0/);
    expect(failure('9.0.0').message).toMatch(/was deleted/);
    expect(failure('4.0.0').message).toMatch(/never published/);
  });

  it('rejects specs that are neither version, range, tag nor integrity', () => {
    const e = failure('nightly');
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/not a version, a semver range, a dist-tag/);
    expect(e.hint).toMatch(/latest, beta/);
  });

  it('reports a name without versions as not found', () => {
    expect(() => resolveSpec('acme/none', '^1', [], {})).toThrow(/does not exist/);
  });
});
