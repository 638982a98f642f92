/** `caravan action test`: the action folder's own tests (`npm test`), with caravan-agent at hand. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultAgentPath } from '@caravan/engine';
import { UsageError } from '../base-command.js';

/** The folder cannot be tested as it is (exit 2): no package.json, no test script. */
export class ActionTestError extends UsageError {}

export async function runActionTests(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const abs = resolve(dir);
  const pkgFile = join(abs, 'package.json');
  if (!existsSync(pkgFile))
    throw new ActionTestError(
      `${abs} has no package.json: caravan action test runs "npm test" there (caravan action init scaffolds one)`,
    );
  let pkg: { scripts?: Record<string, string> };
  try {
    pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as typeof pkg;
  } catch (err) {
    throw new ActionTestError(`${pkgFile} is not valid JSON: ${(err as Error).message}`);
  }
  if (!pkg.scripts?.test)
    throw new ActionTestError(`${pkgFile} has no "test" script: add "scripts": {"test": "node --test test/"}`);
  const agent = env.CARAVAN_AGENT || defaultAgentPath();
  return new Promise<number>((resolveExit, reject) => {
    const child = spawn('npm', ['test'], { cwd: abs, env: { ...env, CARAVAN_AGENT: agent }, stdio: 'inherit' });
    child.on('error', (err) => reject(new ActionTestError(`could not run npm test: ${err.message}`)));
    child.on('close', (code) => resolveExit(code ?? 1));
  });
}
