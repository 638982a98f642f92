/**
 * The run commands as clients of a real `caravan server` (--server / CARAVAN_SERVER), and the two
 * things they gained locally: `caravan logs --follow` and `caravan rerun`.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../test/helpers/ensure-built.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'caravan.js');
let home: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess;
let url: string;
let token: string;

function caravan(
  args: string[],
  extra: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...env, ...extra } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function pipeline(name: string, text: string): string {
  const file = join(home, `${name}.yml`);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), 'caravan-cli-server-'));
  env = {
    ...process.env,
    CARAVAN_HOME: home,
    CI: '1',
    CARAVAN_DATABASE_URL: '',
    CARAVAN_REGISTRY: '',
    CARAVAN_SERVER: '',
  };
  token = execFileSync(process.execPath, [bin, 'server', 'token', 'create', 'ci', '--role', 'runner'], {
    env,
    encoding: 'utf8',
  }).trim();
  server = spawn(process.execPath, [bin, 'server', '--port', '0'], { cwd: root, env });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.on('exit', () => reject(new Error(`the server exited: ${out}`)));
  });
}, 60_000);

afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

const remote = () => ({ CARAVAN_SERVER: url, CARAVAN_SERVER_TOKEN: token });

describe('with a server', () => {
  it('caravan run submits, follows progress to the end and exits as the run ended; runs, logs and show read it back', async () => {
    const r = await caravan(['run', 'examples/hello/pipeline.yml', '--param', 'who=Server'], remote());
    expect(r.code).toBe(0);
    const id = /^run (\S+)$/m.exec(r.stdout)![1]!;
    expect(r.stdout).toMatch(/step report success/);
    expect(r.stdout).toMatch(new RegExp(`run ${id} success`));
    const list = await caravan(['runs', 'list', '--json'], remote());
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ id, status: 'success', pipeline: 'hello' });
    const show = await caravan(['runs', 'show', id, '--server', url], { CARAVAN_SERVER_TOKEN: token });
    expect(show.stdout).toContain("output message = 'Hello, Server!' has 14 characters");
    const logs = await caravan(['logs', id, 'greet', '--follow'], remote());
    expect(logs.stdout).toBe('Hello, Server!\n');
  }, 60_000);

  it('exit codes keep their meaning: 2 for an invalid pipeline with its file:line:col, 3 for a refused token, 1 for a failed run', async () => {
    const bad = pipeline('bad', 'version: "1"\nname: bad\nsteps:\n  - id: a\n    usez: caravan/shell@^1\n');
    const invalid = await caravan(['run', bad], remote());
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain(`${bad}:5:5`);
    const refused = await caravan(['runs', 'list'], { ...remote(), CARAVAN_SERVER_TOKEN: 'nope' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('unknown or revoked');
    const failing = pipeline('failing', 'version: "1"\nname: failing\nsteps:\n  - id: boom\n    run: "exit 3"\n');
    const failed = await caravan(['run', failing], remote());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('step boom failed');
  }, 60_000);

  it('rerun --failed runs only what did not succeed; cancel of an ended run exits 1', async () => {
    const flag = join(home, 'flag');
    writeFileSync(flag, '');
    const marks = join(home, 'marks');
    const file = pipeline(
      'flaky',
      `version: "1"\nname: flaky\nsteps:\n  - id: make\n    run: "echo made >> ${marks}"\n  - id: check\n    needs: [make]\n    run: "test ! -e ${flag}"\n`,
    );
    const first = await caravan(['run', file], remote());
    expect(first.code).toBe(1);
    const id = /^run (\S+)$/m.exec(first.stdout)![1]!;
    rmSync(flag);
    const again = await caravan(['rerun', id, '--failed'], remote());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`(rerun of ${id})`);
    expect(readFileSync(marks, 'utf8')).toBe('made\n');
    const cancel = await caravan(['cancel', id], remote());
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain('has ended');
  }, 60_000);
});

describe('without a server', () => {
  it('caravan rerun --failed works on the local engine', async () => {
    const flag = join(home, 'flag-local');
    writeFileSync(flag, '');
    const marks = join(home, 'marks-local');
    const file = pipeline(
      'flaky-local',
      `version: "1"\nname: flaky\nsteps:\n  - id: make\n    run: "echo made >> ${marks}; echo v=7 >> $CARAVAN_OUTPUT"\n  - id: check\n    needs: [make]\n    env: { V: "\${{ steps.make.outputs.v }}" }\n    run: "test ! -e ${flag} && echo got-$V"\n`,
    );
    const first = await caravan(['run', file]);
    expect(first.code).toBe(1);
    const id = /^run (\S+)$/m.exec(first.stdout)![1]!;
    rmSync(flag);
    const again = await caravan(['rerun', id, '--failed']);
    expect(again.code).toBe(0);
    const newId = /^run (\S+)/m.exec(again.stdout)![1]!;
    expect(readFileSync(marks, 'utf8')).toBe('made\n');
    expect((await caravan(['logs', newId, 'check'])).stdout).toBe('got-7\n');
  }, 60_000);

  it('caravan logs --follow streams a running run until it ends', async () => {
    // the step waits for a gate the test opens once the follower runs: the run cannot end unseen
    const gate = join(home, 'follow-gate');
    const file = pipeline(
      'slow',
      `version: "1"\nname: slow\nsteps:\n  - id: talk\n    run: "echo one; while [ ! -f ${gate} ]; do sleep 0.1; done; echo two"\n`,
    );
    const running = caravan(['run', file]);
    let id: string | undefined;
    while (!id) {
      await new Promise((r) => setTimeout(r, 100));
      const list = await caravan(['runs', 'list', '--json']);
      id = (JSON.parse(list.stdout) as Array<{ id: string; pipelineName: string; status: string }>).find(
        (r) => r.pipelineName === 'slow',
      )?.id;
    }
    const follow = caravan(['logs', id, 'talk', '--follow']);
    await new Promise((r) => setTimeout(r, 1000));
    writeFileSync(gate, '');
    expect((await follow).stdout).toBe('one\ntwo\n');
    expect((await running).code).toBe(0);
  }, 60_000);
});
