/**
 * The README's "Authoring an action" walk-through, followed to the end: every command of its `sh` blocks runs in
 * order, as a
 * new user would type it (with `caravan` on PATH), and every `<!-- file: X -->` block is saved as X.
 * On the way: init → npm install → action test → run → docs → pack → a real registry on
 * 127.0.0.1 → user, grant, login, publish, resolve → `caravan run` of a pipeline using acme/greet@^1.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureBuilt, root } from './author-helpers.js';
import { freePort, readmeSection, walkthrough, WalkthroughShell } from './walkthrough.js';

// Every step here is a real `caravan` process: slow on a busy machine, so a generous budget.
vi.setConfig({ testTimeout: 240_000 });

const doc = readmeSection(readFileSync(join(root, 'README.md'), 'utf8'), 'Authoring an action');
let work: string;
let shell: WalkthroughShell;
let port: number;
const outputs = new Map<string, string>();

beforeAll(async () => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'caravan-walkthrough-'));
  shell = new WalkthroughShell(work, {
    CARAVAN_HOME: join(work, 'home'),
    CI: '1',
    NO_COLOR: '1',
    CARAVAN_REGISTRY: '',
    CARAVAN_TOKEN: '',
    CARAVAN_REGISTRY_TOKEN: '',
  });
  port = await freePort();
});

afterAll(async () => {
  await shell.stop();
});

const runCommand = (line: string) => shell.run(line);

describe('the README walk-through', () => {
  it('has commands for every stage of the author workflow', () => {
    const lines = walkthrough(doc).flatMap((s) => (s.kind === 'command' ? [s.line] : []));
    for (const needed of [
      'caravan action init',
      'npm install',
      'caravan action test',
      'caravan action run',
      'caravan action docs --write',
      'caravan action pack',
      'caravan registry serve',
      'caravan action publish',
      'caravan run pipeline.yml',
    ]) {
      expect(
        lines.some((l) => l.includes(needed)),
        needed,
      ).toBe(true);
    }
  });

  it('works as written, from init to a pipeline that uses the published action by acme/greet@^1', async () => {
    for (const step of walkthrough(doc)) {
      if (step.kind === 'file') {
        shell.saveFile(step.name, step.text);
        continue;
      }
      const line = step.line.replaceAll('4873', String(port));
      const started = performance.now();
      outputs.set(step.line, await runCommand(line));
      if (process.env.CARAVAN_TEST_VERBOSE) console.log(`${Math.round(performance.now() - started)} ms  ${line}`);
    }

    const get = (prefix: string) => [...outputs.entries()].filter(([l]) => l.startsWith(prefix)).map(([, o]) => o);
    expect(existsSync(join(work, 'greet', 'action.yml'))).toBe(true);
    expect(get('caravan action test')[0]).toMatch(/# pass 3/);
    const runs = get('caravan action run');
    expect(runs[0]).toMatch(/Hello, Ada!\n[\s\S]*greeting = Hello, Ada!/);
    expect(JSON.parse(runs[1]!.slice(runs[1]!.indexOf('\n{') + 1)).outputs.greeting).toBe('HELLO, ADA!');
    expect(get('caravan action docs --check')[0]).toMatch(/up to date/);
    const packed = get('caravan action pack')[0] ?? '';
    expect(packed).toMatch(/acme-greet-1\.0\.0\.tgz/);
    const integrity = /sha512-[A-Za-z0-9+/=]+/.exec(packed)?.[0];
    expect(integrity).toBeTruthy();
    expect(await runCommand('caravan action pack greet'), 'packing again gives the same bytes').toContain(integrity);
    expect(get('caravan action resolve')[0]).toMatch(/1\.0\.0/);
    expect(get('caravan action resolve')[0]).toContain(integrity);
    const pipelineRun = [...outputs.entries()].find(([l]) => l.includes('caravan run pipeline.yml'))?.[1] ?? '';
    expect(pipelineRun).toMatch(/step greet success/);
    expect(pipelineRun).toMatch(/step check success/);
    expect(pipelineRun).toMatch(/run \S+ success/);
  }, 300_000);
});
