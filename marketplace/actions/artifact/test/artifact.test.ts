import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAgent, errorMessages, runAction } from '../../test-helpers.js';

beforeAll(buildAgent);

function stepEnv(store: string, runId: string) {
  return { CARAVAN_ARTIFACTS_DIR: store, CARAVAN_RUN_ID: runId };
}

describe('caravan/artifact under the agent', () => {
  it('uploads a directory in one step and downloads it in another, and in a later run', async () => {
    const store = mkdtempSync(join(tmpdir(), 'caravan-artifacts-'));
    const build = mkdtempSync(join(tmpdir(), 'caravan-art-ws-'));
    mkdirSync(join(build, 'dist', 'js'), { recursive: true });
    writeFileSync(join(build, 'dist', 'index.html'), '<h1>hi</h1>');
    writeFileSync(join(build, 'dist', 'js', 'app.js'), 'console.log(1)');

    const up = await runAction(
      'artifact',
      { mode: 'upload', name: 'site', path: 'dist' },
      { env: stepEnv(store, 'run-1'), workdir: build },
    );
    expect(up.exitCode).toBe(0);
    expect(up.report.outputs).toMatchObject({
      files: '2',
      size: String('<h1>hi</h1>'.length + 'console.log(1)'.length),
    });

    const down = await runAction(
      'artifact',
      { mode: 'download', name: 'site', path: 'out' },
      { env: stepEnv(store, 'run-1') },
    );
    expect(down.exitCode).toBe(0);
    expect(readFileSync(join(down.workdir, 'out', 'js', 'app.js'), 'utf8')).toBe('console.log(1)');

    const later = await runAction(
      'artifact',
      { mode: 'download', name: 'site', path: '.', 'run-id': 'run-1' },
      { env: stepEnv(store, 'run-2') },
    );
    expect(readFileSync(join(later.workdir, 'index.html'), 'utf8')).toBe('<h1>hi</h1>');
  });

  it('uploads a single file, and refuses a duplicate name unless overwrite is set', async () => {
    const store = mkdtempSync(join(tmpdir(), 'caravan-artifacts-'));
    const ws = mkdtempSync(join(tmpdir(), 'caravan-art-ws-'));
    writeFileSync(join(ws, 'report.xml'), '<ok/>');
    const env = stepEnv(store, 'r');
    expect(
      (await runAction('artifact', { mode: 'upload', name: 'junit', path: 'report.xml' }, { env, workdir: ws }))
        .exitCode,
    ).toBe(0);
    const dup = await runAction(
      'artifact',
      { mode: 'upload', name: 'junit', path: 'report.xml' },
      { env, workdir: ws },
    );
    expect(errorMessages(dup)).toMatch(
      /artifact "junit" already exists in run r: pick another name or set overwrite: true/,
    );
    writeFileSync(join(ws, 'report.xml'), '<ok again="1"/>');
    expect(
      (
        await runAction(
          'artifact',
          { mode: 'upload', name: 'junit', path: 'report.xml', overwrite: true },
          { env, workdir: ws },
        )
      ).exitCode,
    ).toBe(0);
    const down = await runAction('artifact', { mode: 'download', name: 'junit', path: 'got' }, { env });
    expect(readFileSync(join(down.workdir, 'got', 'report.xml'), 'utf8')).toBe('<ok again="1"/>');
  });

  it('names the available artifacts when one is missing', async () => {
    const store = mkdtempSync(join(tmpdir(), 'caravan-artifacts-'));
    const ws = mkdtempSync(join(tmpdir(), 'caravan-art-ws-'));
    writeFileSync(join(ws, 'a.txt'), 'a');
    await runAction(
      'artifact',
      { mode: 'upload', name: 'logs', path: 'a.txt' },
      { env: stepEnv(store, 'r'), workdir: ws },
    );
    const run = await runAction(
      'artifact',
      { mode: 'download', name: 'binaries', path: 'x' },
      { env: stepEnv(store, 'r') },
    );
    expect(run.exitCode).not.toBe(0);
    expect(errorMessages(run)).toMatch(/artifact "binaries" not found in run r \(artifacts there: logs\)/);
  });

  it('rejects hostile names, missing paths and a missing store clearly', async () => {
    const env = stepEnv(mkdtempSync(join(tmpdir(), 'caravan-artifacts-')), 'r');
    expect(
      errorMessages(await runAction('artifact', { mode: 'upload', name: '../../etc', path: '.' }, { env })),
    ).toMatch(/input "name" must be 1-100 letters/);
    expect(
      errorMessages(await runAction('artifact', { mode: 'download', name: 'a', path: '.', 'run-id': '../x' }, { env })),
    ).toMatch(/input "run-id" must be 1-100 letters/);
    expect(errorMessages(await runAction('artifact', { mode: 'upload', name: 'a', path: 'nope' }, { env }))).toMatch(
      /path .*nope does not exist: nothing to upload/,
    );
    expect(
      errorMessages(await runAction('artifact', { mode: 'upload', name: 'a', path: '.', 'run-id': 'r' }, { env })),
    ).toMatch(/"run-id" is for download only/);
    expect(errorMessages(await runAction('artifact', { mode: 'send', name: 'a', path: '.' }, { env }))).toMatch(
      /input "mode" must be one of "upload", "download"/,
    );
    expect(errorMessages(await runAction('artifact', { mode: 'upload', name: 'a', path: '.' }))).toMatch(
      /CARAVAN_ARTIFACTS_DIR is not set/,
    );
  });
});
