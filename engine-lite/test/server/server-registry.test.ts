/** `caravan server` runs actions from the registry it is pointed at (CARAVAN_REGISTRY), like `caravan run`. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRegistry } from '@caravan/registry';
import { registryWithAction } from '../helpers/registry-with-action.js';
import { serverForFile } from './server-fixture.js';
import { root } from './server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'caravan-server-registry-'));
let registry: RunningRegistry;
/** Filled before the server starts: its registry and token. */
const registryEnv: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  let token: string;
  ({ registry, token } = await registryWithAction(dir, {
    yml: 'name: acme/greet\nversion: 1.2.0\ndescription: Greets someone.\ninputs:\n  who:\n    type: string\n    required: true\nruns:\n  node: index.mjs\n',
    script: 'console.log(`hello ${process.env.INPUT_WHO} from the registry`);\n',
  }));
  Object.assign(registryEnv, { CARAVAN_REGISTRY: registry.url, CARAVAN_REGISTRY_TOKEN: token });
}, 60_000);
afterAll(async () => {
  await registry?.close();
  rmSync(dir, { recursive: true, force: true });
});

const fx = serverForFile('caravan-server-registry', { ci: 'runner' }, registryEnv);

describe('caravan server with a registry', () => {
  it('resolves and runs a registry action, and says at start where actions come from', async () => {
    expect(fx.server.output()).toContain(`actions from ${registry.url}`);
    const file = join(fx.data, 'greet.yml');
    writeFileSync(
      file,
      'version: "1"\nname: greet\nsteps:\n  - id: hi\n    uses: acme/greet@^1\n    with: { who: ops }\n',
    );
    // not spawnSync: the registry answers from this process, whose event loop must keep running
    const caravan = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [join(root, 'bin', 'caravan.js'), ...args], {
          cwd: root,
          env: { ...fx.env, CARAVAN_SERVER: fx.server.url, CARAVAN_SERVER_TOKEN: fx.tokens.ci! },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('error', reject);
        child.once('close', (status) => resolve({ status, stdout, stderr }));
      });
    const r = await caravan('run', file);
    expect(r.status, r.stderr + fx.server.output()).toBe(0);
    const id = /^run (\S+)$/m.exec(r.stdout)?.[1];
    const logs = await caravan('logs', id!, 'hi');
    expect(logs.stdout).toContain('hello ops from the registry');
  });
});
