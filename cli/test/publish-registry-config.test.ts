import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  credentialsPath,
  optionalRegistryConfig,
  RegistryConfigError,
  registryConfig,
  saveCredentials,
} from '../src/lib/registry-config.js';

let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'caravan-config-'));
  env = { CARAVAN_HOME: home };
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('registryConfig', () => {
  it('says how to configure a registry when none is', () => {
    expect(() => registryConfig({}, env)).toThrow(RegistryConfigError);
    expect(() => registryConfig({}, env)).toThrow(
      /no registry configured: pass --registry URL, set CARAVAN_REGISTRY.*caravan login/,
    );
  });

  it('takes flags over the environment over stored credentials', () => {
    saveCredentials('http://stored:1/', 'stored-token', 'alice', env);
    expect(registryConfig({}, env)).toEqual({ url: 'http://stored:1', token: 'stored-token' });
    const withEnv = { ...env, CARAVAN_REGISTRY: 'http://env:2', CARAVAN_TOKEN: 'env-token' };
    expect(registryConfig({}, withEnv)).toEqual({ url: 'http://env:2', token: 'env-token' });
    expect(registryConfig({ registry: 'http://flag:3', token: 'flag-token' }, withEnv)).toEqual({
      url: 'http://flag:3',
      token: 'flag-token',
    });
    // A stored token is used only for the registry it was stored for.
    expect(registryConfig({ registry: 'http://stored:1' }, env)).toEqual({
      url: 'http://stored:1',
      token: 'stored-token',
    });
    expect(registryConfig({ registry: 'http://other:4' }, env)).toEqual({ url: 'http://other:4' });
  });

  it('rejects URLs that are not http(s)', () => {
    expect(() => registryConfig({ registry: 'ftp://x' }, env)).toThrow(/from --registry must start with http/);
    expect(() => registryConfig({}, { ...env, CARAVAN_REGISTRY: 'not a url' })).toThrow(
      /from CARAVAN_REGISTRY is not a valid URL/,
    );
  });

  it('names a damaged credentials file and how to fix it', async () => {
    await writeFile(credentialsPath(env), '{"registries": ');
    expect(() => registryConfig({}, env)).toThrow(
      /credentials\.json is not valid credentials JSON; delete it and run `caravan login/,
    );
  });
});

describe('optionalRegistryConfig (caravan run)', () => {
  it('is undefined when no registry is configured anywhere', () => {
    expect(optionalRegistryConfig({}, env)).toBeUndefined();
    expect(optionalRegistryConfig({}, { ...env, CARAVAN_REGISTRY: ' ', CARAVAN_REGISTRY_TOKEN: 't' })).toBeUndefined();
  });

  it('uses what caravan login stored', () => {
    saveCredentials('http://stored:1', 'stored-token', 'alice', env);
    expect(optionalRegistryConfig({}, env)).toEqual({ url: 'http://stored:1', token: 'stored-token' });
  });

  it('prefers CARAVAN_REGISTRY_TOKEN to CARAVAN_TOKEN, and a flag to both', () => {
    const withEnv = {
      ...env,
      CARAVAN_REGISTRY: 'http://env:2',
      CARAVAN_TOKEN: 'general',
      CARAVAN_REGISTRY_TOKEN: 'engine',
    };
    expect(optionalRegistryConfig({}, withEnv)).toEqual({ url: 'http://env:2', token: 'engine' });
    expect(optionalRegistryConfig({}, { ...withEnv, CARAVAN_REGISTRY_TOKEN: '' })).toEqual({
      url: 'http://env:2',
      token: 'general',
    });
    expect(optionalRegistryConfig({ registry: 'http://flag:3', token: 'flag' }, withEnv)).toEqual({
      url: 'http://flag:3',
      token: 'flag',
    });
  });

  it('still refuses a damaged credentials file or a bad URL', async () => {
    await writeFile(credentialsPath(env), 'nope');
    expect(() => optionalRegistryConfig({}, env)).toThrow(/not valid credentials JSON/);
    expect(() => optionalRegistryConfig({ registry: 'ftp://x' }, { CARAVAN_HOME: home + '-none' })).toThrow(
      /must start with http/,
    );
  });
});

describe('saveCredentials', () => {
  it('writes a file only its owner can read, keeping other registries', async () => {
    saveCredentials('http://a:1', 'token-a', 'alice', env);
    const path = saveCredentials('http://b:2', 'token-b', 'bob', env);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(home)).mode & 0o077).toBe(0);
    const stored = JSON.parse(await readFile(path, 'utf8')) as {
      default: string;
      registries: Record<string, { token: string }>;
    };
    expect(stored.default).toBe('http://b:2');
    expect(stored.registries['http://a:1']?.token).toBe('token-a');
  });
});
