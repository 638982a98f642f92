/** `uses: NAME` runs a registered pipeline: a warning offline, an error at file:line:col when the name is unknown. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssue, loadPipelineFile, parsePipelineYaml } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'caravan-registered-nesting-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, 'nightly.yml');
writeFileSync(file, 'version: "1"\nname: nightly\nsteps:\n  - id: ship\n    uses: deploy\n    with: { env: prod }\n');
const deploy = 'version: "1"\nname: deploy\nparams:\n  env: { type: string }\nsteps:\n  - id: a\n    run: echo\n';

describe('uses: a registered pipeline by name', () => {
  it('parses as a nested step that names the registered pipeline', () => {
    const parsed = parsePipelineYaml('version: "1"\nsteps:\n  - id: ship\n    uses: deploy.prod\n', 'p.yml');
    expect(parsed.ok && parsed.value.steps[0]).toMatchObject({ registered: 'deploy.prod', executor: 'pipeline' });
    const bad = parsePipelineYaml('version: "1"\nsteps:\n  - id: ship\n    uses: Deploy\n', 'p.yml');
    expect(bad.ok).toBe(false);
  });

  it('offline: a warning at the step, the file is still valid', async () => {
    const result = await loadPipelineFile(file);
    expect(result.ok).toBe(true);
    expect(result.warnings.map(formatIssue)).toEqual([
      expect.stringMatching(
        /nightly\.yml:4:5: warning: step "ship": uses the registered pipeline "deploy", which cannot be checked offline/,
      ),
    ]);
  });

  it('against a server: an unknown name is an error at file:line:col; a known one is checked like a file', async () => {
    const none = await loadPipelineFile(file, { registered: async () => undefined });
    expect(none.ok).toBe(false);
    expect(none.ok ? [] : none.errors.map(formatIssue)).toEqual([
      expect.stringMatching(/nightly\.yml:4:5: error: step "ship": no pipeline is registered as "deploy"/),
    ]);
    const known = await loadPipelineFile(file, {
      registered: async (name) => ({ name, revision: 3, source: deploy, file: 'deploy.yml' }),
    });
    expect(known.ok, JSON.stringify(known)).toBe(true);
    const wrongParam = await loadPipelineFile(file, {
      registered: async (name) => ({
        name,
        revision: 3,
        source: deploy.replace('env:', 'region:'),
        file: 'deploy.yml',
      }),
    });
    expect(wrongParam.ok ? [] : wrongParam.errors.map(formatIssue)).toEqual([
      expect.stringMatching(/nightly\.yml:6:13: error: step "ship": with\.env: pipeline deploy has no param "env"/),
    ]);
  });
});
