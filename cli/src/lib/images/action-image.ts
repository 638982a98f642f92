/**
 * Builds an image action's image from its folder's Dockerfile, as `caravan action test` does: the agent
 * image it embeds is built first from this caravan when it is missing or out of date, and a build that
 * fails on an image it cannot find names the Dockerfile line that asks for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AgentImageError, AGENT_IMAGE_REPOSITORY, buildAgentImage, installedPortableDir } from './agent-image.js';
import { buildImage, imageExists } from './container-cli.js';
import { imageRefs } from './dockerfile-refs.js';

/** The image cannot be built; the message names the line at fault and how to fix it. */
export class ActionImageError extends Error {}

function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}

/** Makes sure the agent image `image` is there: built from this caravan's agent when it has one. */
function ensureAgentImage(cli: string, image: string, where: string, env: NodeJS.ProcessEnv): void {
  let portableDir: string | undefined;
  try {
    portableDir = installedPortableDir();
  } catch (err) {
    if (!(err instanceof AgentImageError)) throw err;
  }
  if (portableDir) {
    const version = (JSON.parse(readFileSync(join(portableDir, 'agent.json'), 'utf8')) as { version: string }).version;
    if (image === `${AGENT_IMAGE_REPOSITORY}:${version}`) {
      buildAgentImage({ portableDir, env });
      return;
    }
  }
  if (!imageExists(cli, image, env))
    throw new ActionImageError(
      `${where}: the agent image ${image} is not here and this caravan cannot build it` +
        `${portableDir ? ' (its agent is another version)' : ' (it has no portable agent)'}: ` +
        `build it where its caravan is (npm run build:image), or change the line to ${AGENT_IMAGE_REPOSITORY}:<your caravan's agent version>`,
    );
}

/** Builds `dir`'s Dockerfile as `image` with `cli`. */
export function buildActionImage(dir: string, image: string, cli: string, env: NodeJS.ProcessEnv): void {
  const file = join(dir, 'Dockerfile');
  if (!existsSync(file))
    throw new ActionImageError(
      `${shown(file)} is missing: an action that runs in the image ${image} needs a Dockerfile to build it from (caravan action init --runtime image scaffolds one)`,
    );
  const refs = imageRefs(readFileSync(file, 'utf8'));
  for (const ref of refs)
    if (ref.image.startsWith(`${AGENT_IMAGE_REPOSITORY}:`))
      ensureAgentImage(cli, ref.image, `${shown(file)}:${ref.line}: ${ref.instruction}`, env);

  const result = buildImage(cli, image, dir, env);
  if (result.ok) return;
  const missing = refs.find((ref) => !imageExists(cli, ref.image, env));
  const why = result.stderr.trim().split('\n').at(-1) ?? '';
  if (missing)
    throw new ActionImageError(
      `${shown(file)}:${missing.line}: ${missing.instruction}: the image ${missing.image} is not here and could not be pulled (${why}): ` +
        `pull it (${cli} pull ${missing.image}) or build it under that name, or change this line to an image you have`,
    );
  throw new ActionImageError(`${cli} build of ${image} from ${shown(file)} failed:\n${result.stderr.trim()}`);
}
