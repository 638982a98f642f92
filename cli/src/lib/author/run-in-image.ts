/**
 * `caravan action run` of an image action: the agent runs the action in its image, laid out as the
 * docker executor lays out a container (workspace at /workspace, the action's folder at
 * /caravan/action), with the image's own agent when it embeds one (its entrypoint is
 * /caravan/caravan-agent), else this caravan's portable agent mounted read-only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TaskContext } from '@caravan/spec';
import { installedAgent } from '../agent-location.js';
import { UsageError } from '../base-command.js';
import { imageExists } from '../images/container-cli.js';

const EMBEDDED_AGENT = '/caravan/caravan-agent';
const MOUNTED_AGENT_DIR = '/caravan/agent';
const RUN_DIR = '/caravan/run';
export const IMAGE_WORKSPACE = '/workspace';
export const IMAGE_ACTION_DIR = '/caravan/action';

/** The image cannot be run as it is (exit 2); the message says how to get it. */
export class ImageRunError extends UsageError {}

function entrypoint(cli: string, image: string, env: NodeJS.ProcessEnv): string[] {
  const run = spawnSync(cli, ['image', 'inspect', '--format', '{{json .Config.Entrypoint}}', image], {
    encoding: 'utf8',
    env,
  });
  try {
    return (JSON.parse(run.stdout) as string[] | null) ?? [];
  } catch {
    return [];
  }
}

export interface ImageRunPlan {
  argv: string[];
  /** The context's paths as the container sees them. */
  context: Pick<TaskContext, 'workdir'> & { env: Record<string, string> };
}

/**
 * The `cli run ...` command line that runs `command` in `image` under an agent, with `scratch`
 * (holding context.json, receiving report.json) mounted at /caravan/run.
 */
export function planImageRun(opts: {
  cli: string;
  image: string;
  command: string[];
  actionDir: string;
  workdir: string;
  scratch: string;
  env: NodeJS.ProcessEnv;
}): ImageRunPlan {
  const { cli, image, env } = opts;
  if (!imageExists(cli, image, env) && existsSync(join(opts.actionDir, 'Dockerfile')))
    throw new ImageRunError(
      `the image ${image} is not here: build it with caravan action test (or ${cli} build -t ${image} ${opts.actionDir})`,
    );
  const mounts = [
    ['-v', `${opts.workdir}:${IMAGE_WORKSPACE}`],
    ['-v', `${opts.actionDir}:${IMAGE_ACTION_DIR}:ro`],
    ['-v', `${opts.scratch}:${RUN_DIR}`],
  ];
  let agent = EMBEDDED_AGENT;
  if (entrypoint(cli, image, env)[0] !== EMBEDDED_AGENT) {
    const host = installedAgent();
    if (host?.kind !== 'portable')
      throw new ImageRunError(
        `the image ${image} embeds no caravan agent and this caravan has no portable agent to lend it: ` +
          'embed one (COPY --from=caravan/agent:<version> /caravan /caravan) or build the portable agent (npm run build)',
      );
    mounts.push(['-v', `${dirname(host.path)}:${MOUNTED_AGENT_DIR}:ro`]);
    agent = `${MOUNTED_AGENT_DIR}/caravan-agent`;
  }
  const argv = [
    cli,
    'run',
    '--rm',
    ...mounts.flat(),
    '-w',
    IMAGE_WORKSPACE,
    '--entrypoint',
    agent,
    image,
    'run',
    '--context',
    `${RUN_DIR}/context.json`,
    '--report',
    `${RUN_DIR}/report.json`,
    '--',
    ...opts.command,
  ];
  return { argv, context: { workdir: IMAGE_WORKSPACE, env: { CARAVAN_ACTION_DIR: IMAGE_ACTION_DIR } } };
}
