import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderIntegrity } from '../src/actions/integrity.js';
import { builtinActionsDir, DefaultActionResolver } from '../src/actions/resolver.js';

const builtins = builtinActionsDir()!;
const tmp = mkdtempSync(join(tmpdir(), 'caravan-resolver-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('action resolution', () => {
  it('resolves a built-in to its exact version and a stable integrity', async () => {
    const r = new DefaultActionResolver(builtins);
    const a = await r.resolve('caravan/echo', '^1');
    expect(a.resolved).toMatchObject({ name: 'caravan/echo', range: '^1', version: '1.0.0', source: 'builtin' });
    expect(a.resolved.integrity).toBe(folderIntegrity(join(builtins, 'echo')));
    expect(a.spec.runs).toEqual({ node: 'index.mjs' });
    expect((await r.load(a.resolved)).dir).toBe(join(builtins, 'echo'));
  });

  it('says what is wrong: unknown built-in, unsatisfied or invalid range, no registry configured', async () => {
    const r = new DefaultActionResolver(builtins);
    await expect(r.resolve('caravan/nope', '^1')).rejects.toThrow(/caravan\/nope is not a built-in action/);
    await expect(r.resolve('caravan/echo', '^2')).rejects.toThrow(
      /the built-in version is 1\.0\.0, which does not satisfy \^2/,
    );
    await expect(r.resolve('caravan/echo', 'not a range!')).rejects.toThrow(/is not a valid version range/);
    await expect(r.resolve('acme/deploy', '^1')).rejects.toThrow(
      /no registry is configured: run `caravan login --registry URL`, pass --registry URL or set CARAVAN_REGISTRY/,
    );
    await expect(r.resolve('caravan/../../etc', '^1')).rejects.toThrow(/not a built-in action/);
  });

  it('refuses to resume with a built-in whose files changed since the run started', async () => {
    cpSync(join(builtins, 'echo'), join(tmp, 'echo'), { recursive: true });
    const r = new DefaultActionResolver(tmp);
    const a = await r.resolve('caravan/echo', '^1');
    writeFileSync(join(tmp, 'echo', 'index.mjs'), 'console.log("changed")\n');
    await expect(new DefaultActionResolver(tmp).load(a.resolved)).rejects.toThrow(
      /changed since the run started .* start a new run/,
    );
  });
});

describe('registry answers reused', () => {
  /** A registry whose newest version of acme/lint is `version`; counts the lookups. */
  const registry = () => {
    const r = {
      version: '1.0.0',
      lookups: 0,
      async fetch(name: string, range: string) {
        r.lookups++;
        const resolved = {
          name,
          range,
          version: r.version,
          integrity: `sha512-${r.version}`,
          source: 'registry' as const,
        };
        return { resolved, spec: { name, version: r.version, runs: { node: 'index.mjs' } } as never, dir: tmp };
      },
      async fetchExact() {
        throw new Error('not used');
      },
    };
    return r;
  };

  it('for the resolver’s life by default (one command sees one answer)', async () => {
    const source = registry();
    const r = new DefaultActionResolver(builtins, source);
    expect((await r.resolve('acme/lint', '^1')).resolved.version).toBe('1.0.0');
    source.version = '1.1.0';
    expect((await r.resolve('acme/lint', '^1')).resolved.version).toBe('1.0.0');
    expect(source.lookups).toBe(1);
  });

  it('for remoteTtlMs on a long-lived server: a version published since is seen once the answer is older (fake clock)', async () => {
    const source = registry();
    let now = 1_000;
    const r = new DefaultActionResolver(builtins, source, { remoteTtlMs: 60_000, now: () => now });
    expect((await r.resolve('acme/lint', '^1')).resolved.version).toBe('1.0.0');
    source.version = '1.1.0';
    now += 59_999;
    expect((await r.resolve('acme/lint', '^1')).resolved.version).toBe('1.0.0');
    now += 1;
    expect((await r.resolve('acme/lint', '^1')).resolved.version).toBe('1.1.0');
    expect(source.lookups).toBe(2);
    // built-ins are files beside caravan: read once whatever the TTL
    await r.resolve('caravan/echo', '^1');
    now += 10 * 60_000;
    await r.resolve('caravan/echo', '^1');
  });
});
