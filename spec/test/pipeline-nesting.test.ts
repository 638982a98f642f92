/** Nested pipelines in the spec: `uses: ./file.yml` steps, pipeline `outputs:`, and the checks across files. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatIssue } from '../src/issues.js';
import { loadPipelineFile, parsePipelineYaml } from '../src/pipeline-parse.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'caravan-nesting-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, text: string): string {
  const file = join(dir, path);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const caller = (uses: string, name = 'caller', withBlock = '    with:\n      target: staging\n') =>
  `version: "1"\nname: ${name}\nsteps:\n  - id: nested\n    uses: ${uses}\n${withBlock}`;
const bare = (uses: string, name: string) => caller(uses, name, '');

async function errorsOf(file: string): Promise<string[]> {
  const r = await loadPipelineFile(file);
  return r.ok ? [] : r.errors.map(formatIssue);
}

describe('nested pipeline steps', () => {
  it('parses uses: ./file.yml as a step on the pipeline executor, with its with: as params', () => {
    const r = parsePipelineYaml(caller('./deploy/pipeline.yml'), 'pipeline.yml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const step = r.value.steps[0]!;
    expect(step.pipeline).toBe('./deploy/pipeline.yml');
    expect(step.executor).toBe('pipeline');
    expect(step.action).toEqual({ name: 'caravan/pipeline', range: '^1' });
    expect(step.with).toEqual({ target: 'staging' });
  });

  it('refuses a uses that is neither an action nor a pipeline file, at file:line:col', () => {
    const r = parsePipelineYaml(caller('./deploy/pipeline.txt'), 'pipeline.yml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatIssue(r.errors[0]!)).toMatch(/^pipeline\.yml:5:11: error: .*or a pipeline file beside this one/);
  });

  it('reads outputs: over any step, and reports a step that is not there', () => {
    const ok = parsePipelineYaml(
      'version: "1"\noutputs:\n  url: ${{ steps.b.outputs.url }}\nsteps:\n  - id: a\n    run: echo\n  - id: b\n    run: echo\n',
      'p.yml',
    );
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.value.outputs).toEqual({ url: '${{ steps.b.outputs.url }}' });
    const bad = parsePipelineYaml(
      'version: "1"\noutputs:\n  url: ${{ steps.c.outputs.url }}\nsteps:\n  - id: a\n    run: echo\n',
      'p.yml',
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(formatIssue(bad.errors[0]!)).toMatch(/^p\.yml:3:12: error: steps\.c: there is no step "c"/);
  });

  it('loads the nested file, and names one that is missing at the step that uses it', async () => {
    write('deploy/pipeline.yml', 'version: "1"\nname: deploy\nsteps:\n  - id: go\n    run: echo\n');
    expect(await errorsOf(write('pipeline.yml', bare('./deploy/pipeline.yml', 'caller')))).toEqual([]);
    const errors = await errorsOf(write('other.yml', bare('./nowhere/pipeline.yml', 'other')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/other\.yml:4:5: error: step "nested": \.\/nowhere\/pipeline\.yml: .*check the path/);
  });

  it('reports a cycle between files at file:line:col, naming the chain', async () => {
    const a = write('a.yml', bare('./b/pipeline.yml', 'a'));
    write('b/pipeline.yml', bare('../a.yml', 'b'));
    const errors = await errorsOf(a);
    expect(errors).toHaveLength(1);
    const shown = (p: string) => relative(process.cwd(), join(dir, p));
    expect(errors[0]).toContain(
      `${shown('b/pipeline.yml')}:4:5: error: step "nested": nested pipelines form a cycle: ${shown('a.yml')} → ${shown('b/pipeline.yml')} → ${shown('a.yml')}`,
    );
    const self = write('self.yml', bare('./self.yml', 'self'));
    expect((await errorsOf(self))[0]).toMatch(/self\.yml:4:5: error: step "nested": nested pipelines form a cycle/);
  });

  it('reports nesting deeper than five levels', async () => {
    for (let i = 1; i <= 5; i++) write(`l${i}.yml`, bare(`./l${i + 1}.yml`, `l${i}`));
    write('l6.yml', 'version: "1"\nsteps:\n  - id: leaf\n    run: echo\n');
    const errors = await errorsOf(join(dir, 'l1.yml'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/l5\.yml:4:5: error: step "nested": nested pipelines go deeper than 5 levels/);
    write('l5.yml', 'version: "1"\nsteps:\n  - id: leaf\n    run: echo\n');
    expect(await errorsOf(join(dir, 'l1.yml'))).toEqual([]);
  });

  it("checks the step's with: against the child's params", async () => {
    write(
      'deploy.yml',
      'version: "1"\nname: deploy\nparams:\n  target: { type: string, required: true }\nsteps:\n  - id: go\n    run: echo\n',
    );
    const unknown = await errorsOf(
      write('a.yml', caller('./deploy.yml').replace('target: staging', 'targte: staging')),
    );
    expect(unknown).toHaveLength(2);
    expect(unknown[0]).toMatch(
      /a\.yml:7:7: error: step "nested": with\.targte: pipeline deploy has no param "targte" .*its params: target/,
    );
    expect(unknown[1]).toMatch(
      /a\.yml:4:5: error: step "nested": pipeline deploy needs param "target": add it under with:/,
    );
  });

  it('reports a nested file that is not a valid pipeline with its own file:line:col', async () => {
    write('broken.yml', 'version: "1"\nsteps:\n  - id: Bad Id\n    run: echo\n');
    const errors = await errorsOf(write('pipeline.yml', bare('./broken.yml', 'caller')));
    expect(errors.some((e) => /broken\.yml:3:\d+: error: .*step ids/.test(e))).toBe(true);
  });
});
