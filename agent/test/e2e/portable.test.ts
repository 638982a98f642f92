import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentReport } from '@caravan/spec';
import { hasPodman } from '../../../test/services.js';
import { ensureBusyboxImage, podmanEnv } from '../../../engine-lite/test/helpers/images.js';
import { buildAgentSea } from '../helpers/build-agent.js';
import { runAgent } from '../helpers/run-agent.js';

const SECRET = 'container-secret-value-77';
let built: { exe: string; portable: string };

beforeAll(async () => {
  built = await buildAgentSea();
}, 300_000);
afterAll(() => rmSync(dirname(built.exe), { recursive: true, force: true }));

function contextFile(context: object): { dir: string; contextFile: string; reportFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agent-sea-'));
  writeFileSync(join(dir, 'context.json'), JSON.stringify({ workdir: dir, ...context }));
  return { dir, contextFile: join(dir, 'context.json'), reportFile: join(dir, 'report.json') };
}

describe('caravan-agent single executable', () => {
  it('behaves like the bundle: masks, parses outputs, keeps the exit code', async () => {
    const t = contextFile({ secrets: { S: SECRET } });
    const r = await runAgent(built.exe, ['sh', '-c', 'echo "s=$S"; echo "::set-output name=a::1"; exit 3'], t);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('s=***\n');
    expect(r.report).toMatchObject({ status: 'failed', exitCode: 3, outputs: { a: '1' } });
  });

  it('the portable folder starts through its own glibc loader', async () => {
    const t = contextFile({});
    const r = await runAgent(join(built.portable, 'caravan-agent'), ['sh', '-c', 'readlink /proc/$PPID/exe'], t);
    expect(r.code).toBe(0);
    // the action's parent is the agent, whose executable is the loader shipped in the folder
    expect(r.stdout).toBe(`${join(realpathSync(built.portable), 'lib/ld-linux-x86-64.so.2')}\n`);
  });
});

describe.skipIf(!hasPodman)('caravan-agent in a busybox image without glibc (Podman)', () => {
  const podman = (args: string[]) =>
    execFileSync('podman', args, { env: podmanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  // the busybox-only image the engine's container tests use, built once and kept (no dangling copies)
  let image: string;
  beforeAll(() => {
    image = ensureBusyboxImage();
  }, 180_000);

  it('runs an action under the agent, mounted read-only, masking and reporting', () => {
    const out = mkdtempSync(join(tmpdir(), 'agent-podman-'));
    chmodSync(out, 0o777);
    const context = JSON.stringify({ secrets: { S: SECRET }, params: { name: 'busybox' }, workdir: '/tmp' });
    const script =
      'test ! -e /lib/x86_64-linux-gnu/libc.so.6 && test ! -e /lib64/ld-linux-x86-64.so.2 && echo "no glibc"; echo "hello $INPUT_NAME $S"; echo "size=small" >> "$CARAVAN_OUTPUT"';
    const stdout = podman([
      'run',
      '--rm',
      '-v',
      `${built.portable}:/caravan/agent:ro`,
      '-v',
      `${out}:/out`,
      '-e',
      `CARAVAN_CONTEXT=${context}`,
      image,
      '/caravan/agent/caravan-agent',
      'run',
      '--report',
      '/out/report.json',
      '--',
      'sh',
      '-c',
      script,
    ]);
    expect(stdout).toBe('no glibc\nhello busybox ***\n');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as AgentReport;
    expect(report).toMatchObject({ status: 'success', exitCode: 0, outputs: { size: 'small' } });
    expect(JSON.stringify(report)).not.toContain(SECRET);
  });
});
