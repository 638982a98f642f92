/** GitHub's environment files across steps, as users see them: `caravan run`, `logs`, `runs show`. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../test/helpers/ensure-built.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'caravan.js');
let home: string;

beforeAll(() => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), 'caravan-cli-summary-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function caravan(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, CARAVAN_HOME: home, CI: '1', CARAVAN_DATABASE_URL: '', CARAVAN_REGISTRY: '' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('environment files across steps', () => {
  it('gives B what A exported and added to PATH, and shows A summary in runs show', () => {
    const file = join(home, 'pipeline.yml');
    writeFileSync(
      file,
      `version: "1"
name: exports
steps:
  - id: a
    uses: caravan/shell@^1
    with:
      run: |
        echo "GREETED=yes" >> "$GITHUB_ENV"; echo /opt/x >> "$GITHUB_PATH"; echo "## Hello" >> "$GITHUB_STEP_SUMMARY"
  - id: b
    needs: [a]
    uses: caravan/shell@^1
    with:
      run: |
        echo "greeted=$GREETED"; echo "path=$PATH"
`,
    );
    const r = caravan(['run', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = /^run (\S+)$/m.exec(r.stdout)?.[1] ?? '';
    const logs = caravan(['logs', id, 'b']).stdout;
    expect(logs).toContain('greeted=yes');
    expect(logs).toMatch(/path=\/opt\/x:/);

    const show = caravan(['runs', 'show', id]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/\na:\n(?:.*\n)*? {2}summary:\n {4}## Hello\n/);
    expect(show.stdout).not.toMatch(/\nb:\n(?:.*\n)*? {2}summary:/);
    const json = JSON.parse(caravan(['runs', 'show', id, '--json']).stdout) as {
      steps: { stepId: string; summary?: string }[];
    };
    expect(json.steps.find((s) => s.stepId === 'a')?.summary).toBe('## Hello\n');
    expect(json.steps.find((s) => s.stepId === 'b')).not.toHaveProperty('summary');
  });
});
