/**
 * What a hostile or broken action leaves in its container for the engine to read (its report,
 * its spool, an embedded agent's manifest) is read within the agent's own limits: past them the
 * step fails, or the image is refused, saying what was too large, the limit and what to do. The
 * "agent" here is a script embedded in the image, as a broken image would embed one.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_PROTOCOL, AGENT_VERSION } from '@caravan/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerHost, hasPodman } from '../../../test/services.js';
import { builtinActionsDir, DefaultActionResolver } from '../../src/actions/resolver.js';
import { Engine } from '../../src/engine.js';
import { DockerExecutor } from '../../src/executors/docker.js';
import { ExecutorRegistry } from '../../src/executors/registry.js';
import type { TaskSpec } from '../../src/executors/types.js';
import { SqliteEngineStore } from '../../src/store/sqlite.js';
import { ensureFakeAgentImage } from '../helpers/embedded-images.js';
import { makePipeline } from '../helpers/pipeline.js';
import { portableAgentDir } from '../helpers/portable-agent.js';

const MANIFEST = JSON.stringify({ name: 'caravan-agent', version: AGENT_VERSION, protocol: AGENT_PROTOCOL });
const REPORT = JSON.stringify({
  status: 'success',
  exitCode: 0,
  signal: null,
  outputs: {},
  errors: [],
  warnings: [],
  annotations: [],
  files: [],
  stderrExcerpt: [],
  durationMs: 1,
  masked: 0,
});

/** An embedded "agent" that finds its `--report` path, runs `body` (with `$report` set) and exits 0. */
function fakeAgent(body: string): string {
  return [
    '#!/bin/sh',
    'report=',
    'while [ $# -gt 0 ]; do case "$1" in --report) report="$2"; shift ;; --) break ;; esac; shift; done',
    'mkdir -p "$(dirname "$report")"',
    body,
    'exit 0',
    '',
  ].join('\n');
}

/** A busybox image embedding `files` at /caravan, tagged by their content. */
function imageWith(name: string, files: Record<string, string>): string {
  const tag = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 10);
  return ensureFakeAgentImage(`${name}-${tag}`, files);
}

describe.skipIf(!hasPodman)('what a container leaves is read within limits (Podman)', () => {
  let home: string;
  let store: SqliteEngineStore;
  let engine: Engine;
  let docker: DockerExecutor;

  /** Runs one shell step in `image` (its embedded agent runs it); its step record and log. */
  async function runIn(image: string) {
    const pipeline = makePipeline([{ id: 'step', uses: 'caravan/shell@^1', with: { run: 'true' }, image }]);
    const run = await engine.createRun({ pipeline, source: '', executor: 'docker' });
    const status = await engine.execute(run.id);
    const [step] = await store.getSteps(run.id);
    const logs = (await store.getLogs(run.id, 'step')).map((l) => l.text);
    return { status, step, logs };
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'caravan-oversized-'));
    store = new SqliteEngineStore(join(home, 'engine.db'));
    // The report (and the spool beside it) in the workspace: read out of the container.
    docker = new DockerExecutor({
      dockerHost,
      agentDir: portableAgentDir(),
      stateDir: join(home, 'state'),
      reportFile: '.caravan/report.json',
    });
    engine = await Engine.start({
      store,
      home,
      executors: new ExecutorRegistry().add(docker),
      resolver: new DefaultActionResolver(builtinActionsDir()),
      graceSeconds: 1,
    });
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    await store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('fails a step whose report is larger than any the agent writes, without reading it', async () => {
    const image = imageWith('huge-report', {
      'agent.json': MANIFEST,
      'caravan-agent': fakeAgent('head -c 20971520 /dev/zero > "$report"'),
    });
    const { status, step } = await runIn(image);
    expect(status).toBe('failed');
    expect(step).toMatchObject({ status: 'failed', outputs: {} });
    expect(step?.error).toMatch(
      /^task \S+: the report archive unpacks to more than 16 MB \(the limit\) at entry "report.json" \(20 MB\); the report path must hold only the report the agent writes there; the action must not write to it/,
    );
  }, 180_000);

  it("fails a step whose spool holds more entries than the agent's spool can, and says its lines are lost", async () => {
    const image = imageWith('spool-bomb', {
      'agent.json': MANIFEST,
      'caravan-agent': fakeAgent(
        [
          `echo '${REPORT}' > "$report"`,
          'mkdir -p "$report.spool" && cd "$report.spool"',
          'i=0; while [ $i -lt 5000 ]; do : > "f$i"; i=$((i+1)); done',
        ].join('\n'),
      ),
    });
    const { status, step, logs } = await runIn(image);
    expect(status).toBe('failed');
    expect(step?.error).toMatch(
      /^task \S+: the agent's spool has more than 4096 entries \(the limit\); the spool folder .* must hold only what the agent writes there/,
    );
    expect(logs.at(-1)).toMatch(/^caravan: the agent's spool could not be read \(task .*\): lines it held are lost$/);
  }, 180_000);

  it("fails a step whose spool folder was replaced by a file larger than the agent's spool limit", async () => {
    const image = imageWith('huge-spool', {
      'agent.json': MANIFEST,
      'caravan-agent': fakeAgent(`echo '${REPORT}' > "$report"\nhead -c 73400320 /dev/zero > "$report.spool"`),
    });
    const { status, step } = await runIn(image);
    expect(status).toBe('failed');
    expect(step?.error).toMatch(
      /^task \S+: the agent's spool unpacks to more than 64 MB \(the limit\) at entry "report.json.spool" \(70 MB\); the spool folder/,
    );
  }, 180_000);

  it('refuses an image whose embedded manifest is larger than any agent manifest, saying why', async () => {
    const padded = JSON.stringify({ ...(JSON.parse(MANIFEST) as object), padding: 'x'.repeat(8192) });
    const image = imageWith('huge-manifest', { 'agent.json': padded, 'caravan-agent': fakeAgent('') });
    const workspace = join(home, 'manifest', 'ws');
    mkdirSync(workspace, { recursive: true });
    chmodSync(workspace, 0o777);
    const taskId = `oversized-manifest-${process.pid}`;
    const context = { taskId, runId: 'r', stepId: 's', secrets: {}, params: {}, env: {}, watch: [], files: [] };
    const task: TaskSpec = {
      ...{ taskId, runId: 'r', stepId: 's', attempt: 1, command: ['true'], image, workspace, context },
      actionDir: workspace,
    };
    await expect(docker.create(task)).rejects.toThrow(
      `task ${taskId}: image ${image} has no usable embedded agent (the manifest archive unpacks to more than 4 KB (the limit) at entry "agent.json"`,
    );
  }, 180_000);
});

describe.skipIf(!hasPodman)(
  'what a container leaves in its bound task folder is read as the agent writes it (Podman)',
  () => {
    let home: string;
    let store: SqliteEngineStore;
    let engine: Engine;

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'caravan-bound-'));
      store = new SqliteEngineStore(join(home, 'engine.db'));
      // No report file: the task folder is bind-mounted at /caravan/task, where the agent writes.
      const docker = new DockerExecutor({ dockerHost, agentDir: portableAgentDir(), stateDir: join(home, 'state') });
      engine = await Engine.start({
        store,
        home,
        executors: new ExecutorRegistry().add(docker),
        resolver: new DefaultActionResolver(builtinActionsDir()),
        graceSeconds: 1,
      });
    }, 120_000);

    afterAll(async () => {
      await engine?.close();
      await store?.close();
      rmSync(home, { recursive: true, force: true });
    });

    async function runIn(image: string) {
      const files = [{ name: 'leak', path: 'leak.txt' }];
      const pipeline = makePipeline([{ id: 'step', uses: 'caravan/shell@^1', with: { run: 'true' }, image, files }]);
      const run = await engine.createRun({ pipeline, source: '', executor: 'docker' });
      const status = await engine.execute(run.id);
      const [step] = await store.getSteps(run.id);
      return { status, step, files: await store.getFiles(run.id) };
    }

    it('refuses a report that is a symlink (here to /dev/zero, endless on the host) instead of following it', async () => {
      const image = imageWith('report-link', {
        'agent.json': MANIFEST,
        'caravan-agent': fakeAgent('ln -sf /dev/zero "$report"'),
      });
      const { status, step } = await runIn(image);
      expect(status).toBe('failed');
      expect(step?.error).toMatch(
        /^the agent's report \(\S+\/report\.json\) is a symlink; the report path must hold only the report the agent writes there/,
      );
    }, 180_000);

    it('never stores a host file through a symlink in the spool', async () => {
      const queue = JSON.stringify({ route: 'files/leak', bodyFile: 'leak.bin' });
      const image = imageWith('spool-link', {
        'agent.json': MANIFEST,
        'caravan-agent': fakeAgent(
          [
            `echo '${REPORT}' > "$report"`,
            'mkdir -p "$report.spool"',
            `echo '${queue}' > "$report.spool/spool.jsonl"`,
            'ln -s /etc/passwd "$report.spool/leak.bin"',
          ].join('\n'),
        ),
      });
      const { status, step, files } = await runIn(image);
      expect(status).toBe('failed');
      expect(step?.error).toMatch(
        /^declared files were not stored: leak: the spooled body of file "leak" \(\S+\) is a symlink; the spool folder must hold only what the agent writes there/,
      );
      expect(files.map((f) => f.name)).toEqual([]);
    }, 180_000);
  },
);
