/**
 * The first task of a new image asks two things of it: which agent the image embeds, and (with
 * delivery `auto`, once per executor) whether the daemon sees the host's agent and state folders.
 * One container of the image, created and never started, answers both: the host's folders are
 * bound where the embedded agent's files are not (`/caravan/agent`, `/caravan/state` beside
 * `/caravan/agent.json` and `/caravan/caravan-agent`).
 */
import type { ContainerCreateBody, DockerApi } from './docker-api.js';
import { withProbeContainer } from './docker-delivery.js';
import type { ImageAgent } from './docker-embedded-agent.js';
import { agentInContainer } from './docker-embedded-agent.js';

export interface ImageProbe {
  agent: ImageAgent;
  /** Whether the daemon showed the host agent's entry (when asked about) and the state folder's marker. */
  sees: { agent: boolean; state: boolean };
}

export async function probeImage(
  api: DockerApi,
  image: string,
  /** The host's agent folder; undefined when there is none to ask about. */
  agentDir: string | undefined,
  stateDir: string,
  create: (name: string, body: ContainerCreateBody) => Promise<string>,
): Promise<ImageProbe> {
  return withProbeContainer(api, image, agentDir, stateDir, create, 'agent,delivery', async (id, seen) => ({
    agent: await agentInContainer(api, id),
    sees: await seen(),
  }));
}
