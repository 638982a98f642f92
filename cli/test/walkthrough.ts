/**
 * Runs a README walk-through as a new user would type it: every command of its `sh` blocks in
 * order (with `caravan` on PATH), every `<!-- file: X -->` block saved as X; `caravan registry serve`
 * runs in the background until `stop`. Used by the author walk-through tests.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { bin } from './author-helpers.js';

export type Step = { kind: 'command'; line: string } | { kind: 'file'; name: string; text: string };

/** The text of the README section `## title`, up to the next `## ` heading. */
export function readmeSection(readme: string, title: string): string {
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const section = new RegExp(`^## ${escaped}\\n([\\s\\S]*?)(?=^## )`, 'm').exec(readme);
  if (!section) throw new Error(`README.md has no "## ${title}" section followed by another "## " section`);
  return section[1] ?? '';
}

/** The doc's commands and files, in order. */
export function walkthrough(markdown: string): Step[] {
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

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export class WalkthroughShell {
  cwd: string;
  readonly env: Record<string, string>;
  private registry: ResultPromise | undefined;

  /** A shell in `work` with `caravan` (this checkout) first on PATH; `env` is added to the user's. */
  constructor(work: string, env: Record<string, string>) {
    const binDir = join(work, 'bin');
    mkdirSync(binDir, { recursive: true });
    writeFileSync(join(binDir, 'caravan'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
    chmodSync(join(binDir, 'caravan'), 0o755);
    this.cwd = work;
    this.env = { PATH: `${binDir}:${process.env.PATH ?? ''}`, ...env };
  }

  saveFile(name: string, text: string): void {
    writeFileSync(join(this.cwd, name), text);
  }

  /** Runs one line; `NAME=$(cmd)` sets NAME for the next lines. Returns its stdout; throws when it fails. */
  async run(line: string): Promise<string> {
    if (line.startsWith('cd ')) {
      this.cwd = resolve(this.cwd, line.slice(3).trim());
      return '';
    }
    if (line.startsWith('caravan registry serve')) {
      await this.startRegistry(line);
      return '';
    }
    const assignment = /^([A-Z_]+)=\$\((.*)\)$/.exec(line);
    const script = assignment ? assignment[2]! : line;
    const result = await execa('sh', ['-c', script], {
      cwd: this.cwd,
      env: this.env,
      extendEnv: true,
      reject: false,
      stdin: 'ignore',
      timeout: 180_000,
    });
    const out = `${String(result.stdout)}\n${String(result.stderr)}`;
    if (result.exitCode !== 0) throw new Error(`"${line}" exited with ${result.exitCode}:\n${out}`);
    if (assignment) this.env[assignment[1]!] = String(result.stdout).trim();
    return String(result.stdout);
  }

  private async startRegistry(line: string): Promise<void> {
    const registry = execa('sh', ['-c', `exec ${line}`], {
      cwd: this.cwd,
      env: this.env,
      extendEnv: true,
      reject: false,
    });
    this.registry = registry;
    await new Promise<void>((resolveUp, reject) => {
      let out = '';
      registry.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (/listening on http:\/\//.test(out)) resolveUp();
      });
      void registry.then((r) => reject(new Error(`the registry exited: ${String(r.stderr)}`)));
    });
  }

  async stop(): Promise<void> {
    this.registry?.kill('SIGTERM');
    await this.registry;
  }
}
