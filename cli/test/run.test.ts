/** `caravan run` and friends as users call them: real CLI processes, real agent, real SQLite. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../test/helpers/ensure-built.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'caravan.js');
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), 'caravan-cli-run-'));
  env = { ...process.env, CARAVAN_HOME: home, CI: '1', CARAVAN_DATABASE_URL: '', CARAVAN_REGISTRY: '' };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Runs caravan; past `timeoutMs` it is killed and its output so far is the failure message. */
function caravan(
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
  timeoutMs = 150_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`caravan ${args.join(' ')} did not finish in ${timeoutMs} ms; it printed:\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function pipeline(name: string, text: string): string {
  const file = join(home, `${name}.yml`);
  writeFileSync(file, text);
  return file;
}

describe('caravan run', () => {
  it('runs the README example: run id first, plain progress lines in CI, exit 0', async () => {
    const r = await caravan(['run', 'examples/hello/pipeline.yml', '--param', 'who=Caravan']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^run [a-z0-9]+-[0-9a-f]{6}$/);
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d step greet success \(\d[\d.]*m?s\)$/));
    const id = lines[0]!.slice(4);
    const show = await caravan(['runs', 'show', id]);
    expect(show.stdout).toContain("output message = 'Hello, Caravan!' has 15 characters");
    const logs = await caravan(['logs', id, 'count']);
    expect(logs.stdout).toContain('counting the letters of: Hello, Caravan!');
    const list = await caravan(['runs', 'list']);
    expect(list.stdout).toContain(id);
  });

  it('exits 2 with file:line:col for an invalid pipeline, and for a bad --param', async () => {
    const file = pipeline('invalid', 'version: "1"\nsteps:\n  - id: a\n    uses: caravan/echo@^1\n    needs: [nope]\n');
    const r = await caravan(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:5:\\d+: error: `));
    expect(r.stdout).toBe('');
    const p = await caravan(['run', 'examples/hello/pipeline.yml', '--param', 'nobody=1']);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(
      /^error: examples\/hello\/pipeline\.yml:\d+:\d+: --param nobody: this pipeline has no param "nobody"\nhint: declared: who/m,
    );
  });

  it('runs at most --executor-limit steps of an executor at once, and refuses a bad limit', async () => {
    const marks = mkdtempSync(join(tmpdir(), 'caravan-limit-'));
    const step = (id: string) =>
      `  - id: ${id}\n    run: echo "start $(date +%s%N)" >> ${marks}/${id}; sleep 0.3; echo "end $(date +%s%N)" >> ${marks}/${id}\n`;
    const file = pipeline('limited', `version: "1"\nsteps:\n${['a', 'b', 'c'].map(step).join('')}`);
    const r = await caravan(['run', file, '--concurrency', '3', '--executor-limit', 'process=1']);
    expect(r.code, r.stderr).toBe(0);
    const spans = ['a', 'b', 'c']
      .map((id) => {
        const [start, end] = readFileSync(join(marks, id), 'utf8')
          .trim()
          .split('\n')
          .map((l) => BigInt(l.split(' ')[1]!));
        return [start!, end!] as const;
      })
      .sort((x, y) => (x[0] < y[0] ? -1 : 1));
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0] >= spans[i - 1]![1]).toBe(true);
    rmSync(marks, { recursive: true, force: true });

    const bad = await caravan(['run', file, '--executor-limit', 'podman=2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--executor-limit podman=2: no executor "podman"; use one of docker, k8s, noop, process',
    );
    expect(await caravan(['run', file, '--executor-limit', 'process']).then((x) => x.stderr)).toContain(
      'must be KIND=N',
    );
  });

  it('exits 1 when a step fails, and shows the error', async () => {
    const file = pipeline('failing', 'version: "1"\nsteps:\n  - id: bad\n    run: echo broken >&2; exit 4\n');
    const r = await caravan(['run', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/step bad failed/);
    expect(r.stderr).toMatch(/step bad failed: .*exit code 4/);
  });

  it('keeps secrets out of the store, logs and output, and a missing secret is a clear error', async () => {
    const file = pipeline(
      'secret',
      'version: "1"\nsecrets: [TOKEN]\nsteps:\n  - id: use\n    run: echo "the token is $TOKEN"\n',
    );
    const missing = await caravan(['run', file]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /secret TOKEN declared by pipeline "secret" is neither given nor stored: store it with caravan secrets set TOKEN/,
    );
    const r = await caravan(['run', file], { CARAVAN_SECRET_TOKEN: 'hunter2-very-secret' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = r.stdout.split('\n')[0]!.slice(4);
    const logs = await caravan(['logs', id]);
    expect(logs.stdout).toContain('the token is ***');
    const db = readFileSync(join(home, 'engine.db'));
    expect(db.includes('hunter2-very-secret')).toBe(false);
  });
});

describe('cancel, kill -9 and resume', () => {
  it('cancels a run from another process', async () => {
    const file = pipeline(
      'long',
      'version: "1"\nsteps:\n  - id: long\n    run: sleep 60\n  - id: after\n    needs: [long]\n    run: echo never\n',
    );
    const child = spawn(process.execPath, [bin, 'run', file], { cwd: root, env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    while (!/step long running/.test(out)) await new Promise((r) => setTimeout(r, 100));
    const id = out.split('\n')[0]!.slice(4);
    const c = await caravan(['cancel', id]);
    expect(c.stdout).toMatch(/cancel requested/);
    expect(await exited).toBe(1);
    expect(out).toMatch(/step long cancelled/);
    const show = await caravan(['runs', 'show', id, '--json']);
    const data = JSON.parse(show.stdout) as { status: string; steps: { stepId: string; status: string }[] };
    expect(data.status).toBe('cancelled');
    expect(data.steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
  }, 120_000);

  it('after kill -9 of caravan run, caravan resume finishes without rerunning finished steps', async () => {
    const marks = join(home, 'marks');
    const file = pipeline(
      'crash',
      `version: "1"\nsteps:\n  - id: first\n    run: echo first >> ${marks}\n  - id: slow\n    needs: [first]\n    run: touch ${marks}.started; sleep 3; echo "printed while no engine ran"; echo slow >> ${marks}; echo "v=42" >> "$CARAVAN_OUTPUT"\n  - id: last\n    needs: [slow]\n    run: echo "last \${{ steps.slow.outputs.v }}" >> ${marks}\n`,
    );
    const child = spawn(process.execPath, [bin, 'run', file], { cwd: root, env });
    let out = '';
    let errors = '';
    let gone = false;
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (errors += d));
    const exited = new Promise((r) => child.on('close', r)).then(() => (gone = true));
    // Killed while the slow action itself runs (its agent has started it), not at a step boundary.
    const deadline = Date.now() + 90_000;
    while (!existsSync(`${marks}.started`)) {
      if (gone || Date.now() > deadline)
        throw new Error(`the slow step never started; caravan run printed:\n${out}\n${errors}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await exited;
    const id = out.split('\n')[0]!.slice(4);
    const r = await caravan(['resume', id], {}, 90_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(marks, 'utf8').trim().split('\n')).toEqual(['first', 'slow', 'last 42']);
    const show = JSON.parse((await caravan(['runs', 'show', id, '--json'])).stdout) as {
      status: string;
      steps: { stepId: string; status: string; attempt: number }[];
    };
    expect(show.status).toBe('success');
    expect(show.steps.find((s) => s.stepId === 'first')?.attempt).toBe(1);
    // the resumed engine took the dead one's callback over: the agent's log line reached it
    const logs = await caravan(['logs', id, 'slow']);
    expect(logs.stdout).toContain('printed while no engine ran');
  }, 180_000);

  it('resume of an unknown run is a clear error', async () => {
    const r = await caravan(['resume', 'nope-000000']);
    expect(r.code).toBe(2); // an unknown name (docs/cli.md)
    expect(r.stderr).toMatch(/no run nope-000000: see caravan runs list/);
  });
});

describe('caravan approve', () => {
  it('writes the decision atomically where caravan/approval looks', async () => {
    const r = await caravan(['approve', 'run1', 'deploy', '--reject', '--comment', 'not today']);
    expect(r.code).toBe(0);
    const d = JSON.parse(readFileSync(join(home, 'approvals', 'run1', 'deploy.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(d).toMatchObject({ decision: 'rejected', comment: 'not today' });
    expect(typeof d.by).toBe('string');
    const bad = await caravan(['approve', '../x', 'deploy']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid run id/);
  });
});
