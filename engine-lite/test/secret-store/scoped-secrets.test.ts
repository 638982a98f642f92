/**
 * A run's secrets by scope: which pipeline of a run's tree reads which stored value, and how the
 * server keeps them sealed (also what a server before scopes sealed: one map read by every scope).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pipeline } from '@caravan/spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine.js';
import { scopeSecrets } from '../../src/secret-store/scoped-secrets.js';
import { SecretStore } from '../../src/secret-store/secret-store.js';
import { RunSecrets } from '../../src/server/run-secrets.js';
import { SecretBox } from '../../src/server/secret-box.js';
import { ServerStore } from '../../src/server/server-store.js';
import type { RunRecord } from '../../src/store/types.js';

let home: string;
let stored: SecretStore;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'caravan-scoped-'));
  stored = new SecretStore(home, {}, () => 1000);
  stored.set('A', 'top-a', 'top');
  stored.set('A', 'deploy-a', 'deploy');
  stored.set('B', 'server-b');
});
afterEach(() => {
  stored.close();
  rmSync(home, { recursive: true, force: true });
});

const pipeline = (name: string, secrets: string[], registered?: string): Pipeline =>
  ({
    version: '1',
    name,
    file: `${name}.yml`,
    params: {},
    envs: {},
    secrets,
    steps: [],
    priority: 0,
    ...(registered ? { registered: { name: registered, revision: 1 } } : {}),
  }) as unknown as Pipeline;

describe('scopeSecrets', () => {
  it("a registered run: each registered pipeline reads its own scope, then the server's; given ones win", () => {
    const tree = [pipeline('deploy-app', ['A', 'B'], 'deploy'), pipeline('top', ['A'], 'top')];
    expect(scopeSecrets(tree, {}, stored, true)).toEqual({
      scoped: { deploy: { A: 'deploy-a', B: 'server-b' }, top: { A: 'top-a' } },
      missing: [],
    });
    expect(scopeSecrets(tree, { B: 'given-b' }, stored, true).scoped.deploy).toEqual({ A: 'deploy-a', B: 'given-b' });
  });

  it('an ad-hoc run reads nothing stored, whatever its name or nested pipelines; it names what is missing', () => {
    const tree = [pipeline('deploy-app', ['A'], 'deploy'), pipeline('top', ['A', 'B'])];
    const { scoped, missing } = scopeSecrets(tree, { B: 'given-b' }, stored, false);
    expect(scoped).toEqual({ deploy: {}, '': { B: 'given-b' } });
    expect(missing.map((m) => [m.pipeline.name, m.names])).toEqual([
      ['deploy-app', ['A']],
      ['top', ['A']],
    ]);
  });

  it('only declared names are kept: a given secret no pipeline declares is nowhere', () => {
    const { scoped } = scopeSecrets([pipeline('top', ['A'], 'top')], { OTHER: 'x' }, stored, true);
    expect(scoped).toEqual({ top: { A: 'top-a' } });
  });
});

describe('RunSecrets', () => {
  const masked: string[] = [];
  // Only the masker of the engine is used here: a recorder stands in for it.
  const engine = { addMaskedValues: (v: readonly string[]) => masked.push(...v) } as unknown as Engine;
  const run = (id: string, registered: string | undefined, secretNames: string[]) =>
    ({ id, pipeline: pipeline('p', secretNames, registered), secretNames }) as unknown as RunRecord;

  it('keeps scopes apart, masks every value, and opens them by scope after a restart', () => {
    const box = SecretBox.fromEnv(home, {});
    const server = new ServerStore(join(home, 'server.db'));
    try {
      new RunSecrets(engine, server, box).keep('r1', { top: { A: 'top-a' }, deploy: { A: 'deploy-a' } });
      expect(masked).toEqual(['top-a', 'deploy-a']);
      expect(server.sealedSecrets('r1')).not.toContain('top-a');
      const restarted = new RunSecrets(engine, server, box);
      expect(restarted.loadFor(run('r1', 'top', ['A']))).toBeUndefined();
      expect(restarted.of('r1', { registered: { name: 'deploy', revision: 1 } })).toEqual({ A: 'deploy-a' });
      expect(restarted.of('r1', {})).toEqual({});
      expect(restarted.loadFor(run('r1', 'other', ['A']))).toMatch(/the run's secrets A are no longer kept/);
    } finally {
      server.close();
    }
  });

  it('what a server before scopes sealed (one map) is read by every scope', () => {
    const box = SecretBox.fromEnv(home, {});
    const server = new ServerStore(join(home, 'server.db'));
    try {
      server.putSecrets('old', box.seal({ A: 'legacy-a' }));
      const secrets = new RunSecrets(engine, server, box);
      expect(secrets.loadFor(run('old', undefined, ['A']))).toBeUndefined();
      expect(secrets.of('old', { registered: { name: 'deploy', revision: 1 } })).toEqual({ A: 'legacy-a' });
    } finally {
      server.close();
    }
  });
});
