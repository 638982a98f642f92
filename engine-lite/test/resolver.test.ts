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
