/**
 * An image action (`--runtime image`): a Dockerfile that builds as it is, from a public base the
 * template's language needs, with the caravan agent embedded, so the image runs under the engine and
 * under a plain `podman run` / `docker run`.
 */
import { AGENT_VERSION } from '@caravan/agent';
import type { Language, ScaffoldOptions } from './options.js';

/** Fully qualified, so Podman resolves them without a short-name prompt. */
export const BASE_IMAGES: Record<Language, string> = {
  sh: 'docker.io/library/busybox:latest',
  node: 'docker.io/library/node:20-bookworm-slim',
};
export const AGENT_IMAGE = `caravan/agent:${AGENT_VERSION}`;

/** Where the action's files are in its image. */
const IMAGE_ACTION_DIR = '/action';

export function imageLanguage(opts: ScaffoldOptions): Language {
  return opts.language ?? 'sh';
}

/** The action's own file in its folder: main.sh or index.mjs. */
export function imageEntryFile(opts: ScaffoldOptions): string {
  return imageLanguage(opts) === 'node' ? 'index.mjs' : 'main.sh';
}

/** The image's name and the command the agent runs in it. */
export function imageRuns(opts: ScaffoldOptions): { image: string; command: string; args: string[] } {
  return {
    image: `${opts.name.replace(/^~/, '').replaceAll('/', '-')}:1.0.0`,
    command: imageLanguage(opts) === 'node' ? 'node' : 'sh',
    args: [`${IMAGE_ACTION_DIR}/${imageEntryFile(opts)}`],
  };
}

export function dockerfile(opts: ScaffoldOptions): string {
  const { image, command, args } = imageRuns(opts);
  const entry = imageEntryFile(opts);
  return `FROM ${BASE_IMAGES[imageLanguage(opts)]}
# The action's image: a public base, the caravan agent, the action's ${entry}.
# Build it with \`caravan action test\` (or: podman build -t ${image} .); \`caravan agent image\`
# builds ${AGENT_IMAGE} from the caravan you have when it is not there.
COPY --from=${AGENT_IMAGE} /caravan /caravan
COPY ${entry} ${IMAGE_ACTION_DIR}/${entry}
# The agent runs the command: masks secrets, applies workflow commands, reports to the engine.
ENTRYPOINT ["/caravan/caravan-agent", "run", "--"]
CMD ${JSON.stringify([command, ...args])}
`;
}
