/**
 * Which agent a task's container runs and how it gets there: the image's own (looked at once per
 * image) or the host's portable agent, bound or copied in (the daemon asked once), and how the
 * task context reaches the container.
 */
import type { AgentManifest } from '@caravan/agent';
import type { ContainerCreateBody, DockerApi } from './docker-api.js';
import { findAgentPortableDir } from './docker-agent-dir.js';
import { daemonSeesHostFolders, DeliveryChoice } from './docker-delivery.js';
import type { AgentSource, ImageAgent } from './docker-embedded-agent.js';
import { embeddedAgentFor, ImageAgents, readImageAgent } from './docker-embedded-agent.js';
import { probeImage } from './docker-image-probe.js';
import { createNamedContainer } from './docker-lookup.js';
import type { DockerExecutorOptions } from './docker-options.js';

export class AgentPlacement {
  readonly delivery: DeliveryChoice;
  private readonly imageAgents: ImageAgents;

  constructor(
    private readonly api: DockerApi,
    private readonly options: DockerExecutorOptions,
    private readonly stateDir: () => string,
  ) {
    this.delivery = new DeliveryChoice(options.agentDelivery ?? 'auto');
    this.imageAgents = new ImageAgents((image) =>
      readImageAgent(api, image, (name, body) => createNamedContainer(api, name, body, image, `image ${image}`)),
    );
  }

  /**
   * `bind` or `copy`, after asking the daemon once when the option is `auto` (the default), with
   * a container of `image` that never starts; `who` names the caller in errors. With `hostAgent`
   * false (the image brings its own) only the state folder is asked about.
   */
  deliveryFor(image: string, who: string, hostAgent: boolean): Promise<'bind' | 'copy'> {
    return this.delivery.choose(image, () =>
      daemonSeesHostFolders(
        this.api,
        hostAgent ? findAgentPortableDir(this.options.agentDir) : undefined,
        this.stateDir(),
        (name, body) => createNamedContainer(this.api, name, body, image, who),
        image,
      ),
    );
  }

  /** The image's own agent when the task is to use it, else undefined; throws when it may not run. */
  async embeddedAgent(image: string, who: string): Promise<AgentManifest | undefined> {
    const choice = this.options.agent ?? 'auto';
    if (choice === 'host') return undefined;
    const found = await this.imageAgents.of(image, (img) => this.lookAtImage(img, who, choice));
    return embeddedAgentFor(choice, image, found, who);
  }

  /**
   * What `image` embeds. When the daemon is to be asked about the host's folders too (the first
   * image, delivery `auto`), one probe container answers both and the delivery is decided from it.
   */
  private async lookAtImage(image: string, who: string, choice: AgentSource): Promise<ImageAgent> {
    const create = (name: string, body: ContainerCreateBody) => createNamedContainer(this.api, name, body, image, who);
    if (!this.delivery.wouldAsk(image)) return readImageAgent(this.api, image, create);
    let hostAgentDir: string | undefined;
    try {
      hostAgentDir = findAgentPortableDir(this.options.agentDir);
    } catch {
      // No host agent: an image that brings its own still runs; the others fail at the delivery.
    }
    let probe;
    try {
      probe = await probeImage(this.api, image, hostAgentDir, this.stateDir(), create);
    } catch {
      // E.g. the daemon refuses binds it cannot see: each question asked on its own, as before.
      return readImageAgent(this.api, image, create);
    }
    const { agent, sees } = probe;
    let hostAgent: boolean;
    try {
      hostAgent = embeddedAgentFor(choice, image, agent, who) === undefined;
    } catch {
      return agent; // the task is refused: nothing to decide
    }
    if (!hostAgent || hostAgentDir !== undefined)
      void this.delivery.choose(image, async () => sees.state && (!hostAgent || sees.agent)).catch(() => undefined);
    return agent;
  }
}
