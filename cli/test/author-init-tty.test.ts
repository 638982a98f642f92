/**
 * On a terminal, `caravan action init` asks for what its flags did not say (run in a pseudo-terminal via script(1)).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { bin, ensureBuilt } from './author-helpers.js';

// Every step here is a real `caravan` process: slow on a busy machine, so a generous budget.
vi.setConfig({ testTimeout: 240_000 });

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

beforeAll(() => {
  if (hasScript) ensureBuilt();
});

/** Answers each prompt when it appears (never on a timer), then waits for the command to end. */
function converse(cwd: string, answers: Array<[RegExp, string]>): Promise<{ output: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', `"${process.execPath}" "${bin}" action init`, '/dev/null'], {
      cwd,
      env: { ...process.env, TERM: 'xterm' },
    });
    let output = '';
    let next = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const answer = answers[next];
      if (answer && answer[0].test(output)) {
        next++;
        output += '\n<answered>\n';
        child.stdin.write(answer[1]);
      }
    });
    child.on('close', (code) => resolve({ output, code }));
  });
}

describe.skipIf(!hasScript)('caravan action init on a terminal', () => {
  it('prompts for the name, runtime and description', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'caravan-init-tty-'));
    const { output, code } = await converse(dir, [
      [/Action name/, 'acme/asked\r'],
      [/Runtime[\s\S]*image/, '\u001b[B\r'],
      [/Description/, 'Asked for everything.\r'],
    ]);
    expect(code, output).toBe(0);
    const yml = readFileSync(join(dir, 'asked', 'action.yml'), 'utf8');
    expect(yml).toContain('name: acme/asked');
    expect(yml).toContain('description: Asked for everything.');
    expect(yml).toContain('command: sh');
  });
});
