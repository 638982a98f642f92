/**
 * `caravan action test`: the action folder's own tests (`npm test`), with caravan-agent at hand. An
 * image action's image is built first (with the agent image it embeds), and its tests run in it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultAgentPath } from '@caravan/engine';
import { installedAgent } from '../agent-location.js';
import { FailedError, UsageError } from '../base-command.js';
import { ActionImageError, buildActionImage } from '../images/action-image.js';
import { AgentImageError } from '../images/agent-image.js';
import { ContainerCliError, containerCli } from '../images/container-cli.js';
import { loadActionDir } from './load-action.js';

/** The folder cannot be tested as it is (exit 2): no package.json, no test script. */
export class ActionTestError extends UsageError {}

/** The action's image could not be built (exit 1): the message names the Dockerfile line at fault. */
export class ActionImageBuildError extends FailedError {}

/**
 * For an image action: builds its image from the folder's Dockerfile (none: the image is used as it
 * is), and returns what its tests need to find it.
 */
async function imageEnv(dir: string, env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  if (!existsSync(join(dir, 'action.yml')) && !existsSync(join(dir, 'action.yaml'))) return {};
  const { spec } = await loadActionDir(dir);
  if (!('image' in spec.runs)) return {};
  try {
    const cli = containerCli(env);
    if (existsSync(join(dir, 'Dockerfile'))) buildActionImage(dir, spec.runs.image, cli, env);
    return { CARAVAN_ACTION_IMAGE: spec.runs.image, CARAVAN_CONTAINER_CLI: cli };
  } catch (err) {
    if (err instanceof ContainerCliError) throw new ActionTestError(err.message);
    if (err instanceof ActionImageError || err instanceof AgentImageError) throw new ActionImageBuildError(err.message);
    throw err;
  }
}

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
  const agent = env.CARAVAN_AGENT || installedAgent()?.path || defaultAgentPath();
  const image = await imageEnv(abs, env);
  return new Promise<number>((resolveExit, reject) => {
    const child = spawn('npm', ['test'], {
      cwd: abs,
      env: { ...env, CARAVAN_AGENT: agent, ...image },
      stdio: 'inherit',
    });
    child.on('error', (err) => reject(new ActionTestError(`could not run npm test: ${err.message}`)));
    child.on('close', (code) => resolveExit(code ?? 1));
  });
}
