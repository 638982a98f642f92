/**
 * The README's "Authoring an action" walk-through, followed to the end: every command of its `sh` blocks runs in
 * order, as a
 * new user would type it (with `caravan` on PATH), and every `<!-- file: X -->` block is saved as X.
 * On the way: init → npm install → action test → run → docs → pack → a real registry on
 * 127.0.0.1 → user, grant, login, publish, resolve → `caravan run` of a pipeline using acme/greet@^1.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bin, ensureBuilt, root } from './author-helpers.js';

// Every step here is a real `caravan` process: slow on a busy machine, so a generous budget.
vi.setConfig({ testTimeout: 240_000 });

type Step = { kind: 'command'; line: string } | { kind: 'file'; name: string; text: string };

/** The doc's commands and files, in order. */
function walkthrough(markdown: string): Step[] {
  const steps: Step[] = [];
  for (const m of markdown.matchAll(/(?:<!-- file: (\S+) -->\n)?```(\w+)\n([\s\S]*?)```/g)) {
    const [, file, lang, body = ''] = m;
    if (file) steps.push({ kind: 'file', name: file, text: body });
    else if (lang === 'sh') {
      for (const line of body.split('\n').map((l) => l.trim()))
        if (line && !line.startsWith('#')) steps.push({ kind: 'command', line });
    }
  }
  return steps;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = /^## Authoring an action\n([\s\S]*?)(?=^## )/m.exec(readme);
if (!section) throw new Error('README.md has no "## Authoring an action" section followed by another "## " section');
const doc = section[1] ?? '';
let work: string;
let cwd: string;
let env: Record<string, string>;
let port: number;
let registry: ResultPromise | undefined;
const outputs = new Map<string, string>();

beforeAll(async () => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'caravan-walkthrough-'));
  const binDir = join(work, 'bin');
  mkdirSync(binDir);
  writeFileSync(join(binDir, 'caravan'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
  chmodSync(join(binDir, 'caravan'), 0o755);
  cwd = work;
  env = {
    PATH: `${binDir}:${process.env.PATH ?? ''}`,
    CARAVAN_HOME: join(work, 'home'),
    CI: '1',
    NO_COLOR: '1',
    CARAVAN_REGISTRY: '',
    CARAVAN_TOKEN: '',
    CARAVAN_REGISTRY_TOKEN: '',
  };
  port = await freePort();
});

afterAll(async () => {
  registry?.kill('SIGTERM');
  await registry;
});

async function startRegistry(line: string): Promise<void> {
  registry = execa('sh', ['-c', `exec ${line}`], { cwd, env, extendEnv: true, reject: false });
  await new Promise<void>((resolveUp, reject) => {
    let out = '';
    registry?.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/listening on http:\/\//.test(out)) resolveUp();
    });
    void registry?.then((r) => reject(new Error(`the registry exited: ${String(r.stderr)}`)));
  });
}

async function runCommand(line: string): Promise<string> {
  if (line.startsWith('cd ')) {
    cwd = resolve(cwd, line.slice(3).trim());
    return '';
  }
  if (line.startsWith('caravan registry serve')) {
    await startRegistry(line);
    return '';
  }
  const assignment = /^([A-Z_]+)=\$\((.*)\)$/.exec(line);
  const script = assignment ? assignment[2]! : line;
  const result = await execa('sh', ['-c', script], {
    cwd,
    env,
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    timeout: 180_000,
  });
  const out = `${String(result.stdout)}\n${String(result.stderr)}`;
  if (result.exitCode !== 0) throw new Error(`"${line}" exited with ${result.exitCode}:\n${out}`);
  if (assignment) env[assignment[1]!] = String(result.stdout).trim();
  return String(result.stdout);
}

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
        writeFileSync(join(cwd, step.name), step.text);
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
