/** The client's settings from the environment, shared with the engine and the CLI: home folder, timeout, redaction. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  caravanHome,
  defaultCacheDir,
  InvalidSettingError,
  redactUrl,
  redactUrlsIn,
  registryTimeoutMs,
} from '../../src/client/index.js';

describe('caravanHome', () => {
  it('is CARAVAN_HOME made absolute, else ~/.caravan; blank counts as unset', () => {
    expect(caravanHome({ CARAVAN_HOME: '/srv/caravan' })).toBe('/srv/caravan');
    expect(caravanHome({ CARAVAN_HOME: 'rel/home' })).toBe(resolve('rel/home'));
    for (const env of [{}, { CARAVAN_HOME: '' }, { CARAVAN_HOME: '  ' }])
      expect(caravanHome(env)).toBe(join(homedir(), '.caravan'));
    expect(defaultCacheDir({ CARAVAN_HOME: '/h' })).toBe('/h/cache');
  });
});

describe('registryTimeoutMs', () => {
  it('reads CARAVAN_REGISTRY_TIMEOUT as seconds or a duration, default 30 s', () => {
    expect(registryTimeoutMs({})).toBe(30_000);
    expect(registryTimeoutMs({ CARAVAN_REGISTRY_TIMEOUT: '' })).toBe(30_000);
    expect(registryTimeoutMs({ CARAVAN_REGISTRY_TIMEOUT: '5' })).toBe(5_000);
    expect(registryTimeoutMs({ CARAVAN_REGISTRY_TIMEOUT: '2m' })).toBe(120_000);
  });

  it('says how to write it', () => {
    for (const bad of ['soon', '0', '-1', '1.5'])
      expect(() => registryTimeoutMs({ CARAVAN_REGISTRY_TIMEOUT: bad })).toThrow(InvalidSettingError);
    expect(() => registryTimeoutMs({ CARAVAN_REGISTRY_TIMEOUT: 'soon' })).toThrow(/give seconds \(30\) or e\.g\. 90s/);
  });
});

describe('redactUrl', () => {
  it('drops user, password, query and fragment', () => {
    expect(redactUrl('https://user:pw@registry.example/base/?token=t#x')).toBe('https://registry.example/base');
    expect(redactUrl('postgres://bob:s3cret@db:5432/reg?sslpassword=x')).toBe('postgres://db:5432/reg');
    expect(redactUrl('not a url')).toBe('<invalid URL>');
  });

  it('redacts URLs with credentials or a query inside a text, and leaves the others as written', () => {
    expect(
      redactUrlsIn(
        'connect to postgres://bob:s3cret@db:5432/reg failed; see http://127.0.0.1:9/ or http://h/x?token=abc.',
      ),
    ).toBe('connect to postgres://db:5432/reg failed; see http://127.0.0.1:9/ or http://h/x.');
    expect(redactUrlsIn('at http://u:p@[bad/')).not.toContain('u:p');
  });
});
