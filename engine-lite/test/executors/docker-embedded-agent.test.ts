/**
 * The agent embedded in an action image (`/caravan/caravan-agent` beside `/caravan/agent.json`),
 * on Podman with images built here: used instead of the host's (which the executor then never
 * needs), said in the step's log; refused, with both versions and how to rebuild, when it speaks
 * another protocol; the option `agent` chooses.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_PROTOCOL, AGENT_VERSION } from '@caravan/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerHost, hasPodman } from '../../../test/services.js';
import { builtinActionsDir, DefaultActionResolver } from '../../src/actions/resolver.js';
import { Engine } from '../../src/engine.js';
import { DockerExecutor, type DockerExecutorOptions } from '../../src/executors/docker.js';
import { embeddedAgentFor } from '../../src/executors/docker-embedded-agent.js';
import { ExecutorRegistry } from '../../src/executors/registry.js';
import type { TaskSpec } from '../../src/executors/types.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import { ensureEmbeddedAgentImage, ensureFakeAgentImage, ensureOldAgentImage } from '../helpers/embedded-images.js';
import { ensureNodeImage } from '../helpers/images.js';
import { makePipeline } from '../helpers/pipeline.js';
import { portableAgentDir } from '../helpers/portable-agent.js';

const SECRET = 'embedded-SECRET-31337';
/** No host agent here: a step that runs proves the image's own agent ran it. */
const NO_HOST_AGENT = '/nonexistent/caravan-agent-portable';

describe('choosing an embedded agent', () => {
  const ours = {
    kind: 'agent' as const,
    manifest: { name: 'caravan-agent' as const, version: '9.9.9', protocol: AGENT_PROTOCOL },
  };
  it('uses an agent of this protocol, whatever its version, unless told to use the host one', () => {
    expect(embeddedAgentFor('auto', 'img', ours, 'task t')).toEqual(ours.manifest);
    expect(embeddedAgentFor('embedded', 'img', ours, 'task t')).toEqual(ours.manifest);
    expect(embeddedAgentFor('host', 'img', ours, 'task t')).toBeUndefined();
    expect(embeddedAgentFor('auto', 'img', { kind: 'none' }, 'task t')).toBeUndefined();
  });

  it('refuses an older or newer protocol, an image without one when it is required, and a bad manifest', () => {
    const other = (protocol: number) => ({
      kind: 'agent' as const,
      manifest: { ...ours.manifest, version: '7.0.0', protocol },
    });
    expect(() => embeddedAgentFor('auto', 'img:1', other(AGENT_PROTOCOL - 1), 'task t')).toThrow(
      `task t: image img:1 embeds caravan-agent 7.0.0 (protocol ${AGENT_PROTOCOL - 1}), older than this engine's caravan-agent ${AGENT_VERSION} (protocol ${AGENT_PROTOCOL}); rebuild the image`,
    );
    expect(() => embeddedAgentFor('embedded', 'img:1', other(AGENT_PROTOCOL + 1), 'task t')).toThrow(/newer than/);
    expect(() => embeddedAgentFor('embedded', 'img:1', { kind: 'none' }, 'task t')).toThrow(
      /image img:1 has no usable embedded agent \(it has no \/caravan\/agent.json\)/,
    );
    expect(() => embeddedAgentFor('auto', 'img:1', { kind: 'unreadable', why: 'bad manifest' }, 'task t')).toThrow(
      /no usable embedded agent \(bad manifest\)/,
    );
  });
});

describe.skipIf(!hasPodman)('the agent embedded in an image (Podman)', () => {
  let home: string;
  let embedded: string;
  const executors: DockerExecutor[] = [];
  const executor = (o: DockerExecutorOptions) => {
    const made = new DockerExecutor({ dockerHost, stateDir: join(home, 'state'), ...o });
    executors.push(made);
    return made;
  };
  const spec = (name: string, image: string): TaskSpec => {
    const workspace = join(home, name, 'ws');
    const actionDir = join(home, name, 'action');
    mkdirSync(workspace, { recursive: true });
    mkdirSync(actionDir, { recursive: true });
    chmodSync(workspace, 0o777);
    const taskId = `embedded-${name}-${process.pid}`;
    const context = { taskId, runId: 'r', stepId: name, secrets: {}, params: {}, env: {}, watch: [], files: [] };
    return { taskId, runId: 'r', stepId: name, attempt: 1, command: ['true'], image, workspace, actionDir, context };
  };

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'caravan-embedded-'));
    embedded = ensureEmbeddedAgentImage();
  }, 600_000);

  afterAll(async () => {
    for (const e of executors) await e.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('runs a step with the image’s own agent, says so in the step log, and masks as usual', async () => {
    const store = new SqliteEngineStore(join(home, 'engine.db'));
    const docker = executor({ agentDir: NO_HOST_AGENT, defaultImage: embedded });
    const engine = await Engine.start({
      store,
      home,
      executors: new ExecutorRegistry().add(docker),
      resolver: new DefaultActionResolver(builtinActionsDir()),
      secrets: { API_TOKEN: SECRET },
      graceSeconds: 1,
    });
    try {
      const pipeline = makePipeline(
        [
          {
            id: 'hello',
            uses: 'caravan/shell@^1',
            with: { run: 'echo "hello $API_TOKEN"\necho "v=1" >> "$CARAVAN_OUTPUT"' },
          },
        ],
        { secrets: ['API_TOKEN'] },
      );
      const run = await engine.createRun({ pipeline, source: '', executor: 'docker' });
      expect(await engine.execute(run.id)).toBe('success');
      const [step] = await store.getSteps(run.id);
      expect(step).toMatchObject({ status: 'success', outputs: { v: '1' } });
      const logs = (await store.getLogs(run.id, 'hello')).map((l) => l.text);
      expect(logs).toContain('hello ***');
      expect(logs).toContain(
        `caravan: the agent embedded in image ${embedded} ran this step (caravan-agent ${AGENT_VERSION}, protocol ${AGENT_PROTOCOL})`,
      );
      expect(JSON.stringify(logs)).not.toContain(SECRET);
    } finally {
      await engine.close();
      await store.close();
    }
  }, 120_000);

  it('refuses an image whose agent speaks an older protocol, with both versions and how to rebuild', async () => {
    const old = ensureOldAgentImage(AGENT_PROTOCOL - 1);
    const docker = executor({ agentDir: portableAgentDir() });
    const task = spec('old', old);
    await expect(docker.create(task)).rejects.toThrow(
      new RegExp(
        `task ${task.taskId}: image ${old.replace(/[.:/]/g, '\\$&')} embeds caravan-agent 0\\.0\\.9 \\(protocol ${AGENT_PROTOCOL - 1}\\), ` +
          `older than this engine's caravan-agent ${AGENT_VERSION.replace(/\./g, '\\.')} \\(protocol ${AGENT_PROTOCOL}\\); ` +
          `rebuild the image with the current agent: \`COPY --from=caravan/agent:${AGENT_VERSION.replace(/\./g, '\\.')} /caravan /caravan\`.*podman build`,
      ),
    );
    // Nothing of the task was made.
    expect(await docker.status(task.taskId)).toMatchObject({ phase: 'gone', neverStarted: true });
    // Told to use the host's agent, the step runs with it.
    const host = executor({ agentDir: portableAgentDir(), agent: 'host' });
    const hostTask = spec('host', old);
    await host.create(hostTask);
    await host.start(hostTask.taskId);
    expect(await host.wait(hostTask.taskId)).toMatchObject({ phase: 'exited', exitCode: 0 });
    expect(await host.note(hostTask.taskId)).toBeUndefined();
    await host.remove(hostTask.taskId);
  }, 120_000);

  it('refuses an image whose manifest is not one, or that has a manifest but no agent', async () => {
    const docker = executor({ agentDir: portableAgentDir() });
    const garbled = ensureFakeAgentImage('garbled', { 'caravan-agent': '#!/bin/sh\n', 'agent.json': '{"name":' });
    const task = spec('garbled', garbled);
    await expect(docker.create(task)).rejects.toThrow(
      `task ${task.taskId}: image ${garbled} has no usable embedded agent (/caravan/agent.json is not an agent manifest`,
    );
    const manifest = JSON.stringify({ name: 'caravan-agent', version: AGENT_VERSION, protocol: AGENT_PROTOCOL });
    const noEntry = ensureFakeAgentImage('no-entry', { 'agent.json': manifest });
    const other = spec('no-entry', noEntry);
    await expect(docker.create(other)).rejects.toThrow(
      `task ${other.taskId}: image ${noEntry} has no usable embedded agent (it has /caravan/agent.json but no /caravan/caravan-agent)`,
    );
  }, 120_000);

  it('requires an embedded agent when told to, and names the image without one', async () => {
    const docker = executor({ agentDir: portableAgentDir(), agent: 'embedded' });
    const task = spec('none', ensureNodeImage());
    await expect(docker.create(task)).rejects.toThrow(
      `task ${task.taskId}: image ${ensureNodeImage()} has no usable embedded agent (it has no /caravan/agent.json)`,
    );
  }, 60_000);
});
