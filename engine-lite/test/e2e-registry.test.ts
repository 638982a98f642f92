/** A pipeline using an action published to a real registry server, run on the process executor. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRegistry } from '@caravan/registry';
import { RegistryActionSource } from '../src/actions/registry-source.js';
import { builtinActionsDir, DefaultActionResolver } from '../src/actions/resolver.js';
import { Engine } from '../src/engine.js';
import { SqliteEngineStore } from '../src/store/sqlite.js';
import { agentBundle } from './helpers/agent.js';
import { makePipeline } from './helpers/pipeline.js';
import { registryWithAction } from './helpers/registry-with-action.js';

let dir: string;
let registry: RunningRegistry;
let token: string;
let store: SqliteEngineStore;
let engine: Engine;
let source: RegistryActionSource;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'caravan-e2e-registry-'));
  ({ registry, token } = await registryWithAction(dir, {
    yml: 'name: acme/greet\nversion: 1.2.0\ndescription: Greets someone.\ninputs:\n  who:\n    type: string\n    required: true\noutputs:\n  greeting:\n    type: string\nruns:\n  node: index.mjs\n',
    script:
      "import { appendFileSync } from 'node:fs';\nconst g = `hello ${process.env.INPUT_WHO}`;\nconsole.log(g);\nappendFileSync(process.env.CARAVAN_OUTPUT, `greeting=${g}\\n`);\n",
  }));
  store = new SqliteEngineStore(join(dir, 'engine.db'));
  source = new RegistryActionSource(registry.url, token, join(dir, 'engine-cache'));
  engine = await Engine.start({
    store,
    home: join(dir, 'home'),
    agentPath: agentBundle(),
    resolver: new DefaultActionResolver(builtinActionsDir(), source),
  });
});

afterAll(async () => {
  await engine?.close();
  await store?.close();
  await source?.close();
  await registry?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('actions from the registry', () => {
  it('resolves acme/greet@^1 to the exact published version and integrity, and runs it', async () => {
    const run = await engine.createRun({
      pipeline: makePipeline([
        { id: 'hi', uses: 'acme/greet@^1', with: { who: 'registry' } },
        { id: 'echo', uses: 'caravan/echo@^1', needs: ['hi'], with: { message: '${{ steps.hi.outputs.greeting }}' } },
      ]),
      source: '',
    });
    expect(run.actions.hi).toMatchObject({ name: 'acme/greet', range: '^1', version: '1.2.0', source: 'registry' });
    expect(run.actions.hi?.integrity).toMatch(/^sha512-/);
    expect(await engine.execute(run.id)).toBe('success');
    const steps = await store.getSteps(run.id);
    expect(steps.map((s) => s.outputs)).toEqual([{ greeting: 'hello registry' }, { message: 'hello registry' }]);
  });

  it('fails before running when the range matches no published version', async () => {
    await expect(
      engine.createRun({ pipeline: makePipeline([{ id: 'x', uses: 'acme/greet@^9' }]), source: '' }),
    ).rejects.toThrow(/pipeline\.yml:2:5: step "x": uses acme\/greet@\^9: /);
  });
});
