/**
 * The agent an action image embeds (`COPY --from=caravan/agent:<version> /caravan /caravan`):
 * `/caravan/caravan-agent` beside its manifest `/caravan/agent.json` (`{name, version,
 * protocol}`). Each image is looked at once, through a container of it that is never started
 * (`HEAD` and `GET .../archive`); an embedded agent is used only when it speaks this engine's
 * protocol.
 */
import { randomUUID } from 'node:crypto';
import { AGENT_MANIFEST_FILE, AGENT_PROTOCOL, AGENT_VERSION, type AgentManifest } from '@caravan/agent';
import { TarballError } from '@caravan/registry';
import { ArchiveTooLarge, type ContainerCreateBody, type DockerApi } from './docker-api.js';
import { jsonFromArchive, oneFileRead } from './docker-report.js';

/**
 * `embedded`: the image's own agent, refused without one; `host`: the engine's; `auto` (default):
 * the image's when it has one.
 */
export type AgentSource = 'embedded' | 'host' | 'auto';

export const EMBEDDED_AGENT_DIR = '/caravan';
export const EMBEDDED_AGENT = `${EMBEDDED_AGENT_DIR}/caravan-agent`;
export const EMBEDDED_MANIFEST = `${EMBEDDED_AGENT_DIR}/${AGENT_MANIFEST_FILE}`;
/** The label saying which agent a task's container runs. */
export const AGENT_LABEL = 'caravan.agent';
/** A manifest is `{name, version, protocol}`: some 60 bytes. */
const MAX_MANIFEST_BYTES = 4096;
const MANIFEST_READ = oneFileRead(
  MAX_MANIFEST_BYTES,
  'manifest archive',
  `the embedded agent's manifest ${EMBEDDED_MANIFEST}`,
  "it must be the small JSON file of the agent's portable folder (dist/agent-portable/agent.json), copied with it",
);

/** What an image embeds: nothing, an agent with its manifest, or files that are not one. */
export type ImageAgent =
  { kind: 'none' } | { kind: 'agent'; manifest: AgentManifest } | { kind: 'unreadable'; why: string };

function asManifest(value: unknown): AgentManifest | undefined {
  const m = value as Partial<AgentManifest> | undefined;
  if (typeof m !== 'object' || m === null) return undefined;
  if (m.name !== 'caravan-agent' || typeof m.version !== 'string' || !Number.isSafeInteger(m.protocol))
    return undefined;
  return { name: m.name, version: m.version, protocol: m.protocol as number };
}

/** Reads what `image` embeds, with a container of it that never starts (`create` makes it). */
export async function readImageAgent(
  api: DockerApi,
  image: string,
  create: (name: string, body: ContainerCreateBody) => Promise<string>,
): Promise<ImageAgent> {
  const id = await create(`caravan-probe-${randomUUID().slice(0, 12)}`, {
    Image: image,
    Entrypoint: [],
    Cmd: ['true'],
    Labels: { 'caravan.probe': 'agent' },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    return await agentInContainer(api, id);
  } finally {
    await api.removeContainer(id).catch(() => undefined);
  }
}

/** What the image of container `id` (created, never started) embeds. */
export async function agentInContainer(api: DockerApi, id: string): Promise<ImageAgent> {
  let manifest: AgentManifest | undefined;
  try {
    const archive = await api.openArchive(id, EMBEDDED_MANIFEST, MANIFEST_READ.limit);
    if (!archive) return { kind: 'none' };
    manifest = asManifest(await jsonFromArchive(archive, MANIFEST_READ.policy));
  } catch (err) {
    if (err instanceof ArchiveTooLarge || err instanceof TarballError) return { kind: 'unreadable', why: err.message };
    throw err;
  }
  if (!manifest) {
    return {
      kind: 'unreadable',
      why: `${EMBEDDED_MANIFEST} is not an agent manifest ({"name":"caravan-agent","version":"…","protocol":N})`,
    };
  }
  if (!(await api.pathExists(id, EMBEDDED_AGENT)))
    return { kind: 'unreadable', why: `it has ${EMBEDDED_MANIFEST} but no ${EMBEDDED_AGENT}` };
  return { kind: 'agent', manifest };
}

/** How to rebuild an image with this engine's agent. */
function rebuildHint(image: string): string {
  return (
    `rebuild the image with the current agent: \`COPY --from=caravan/agent:${AGENT_VERSION} /caravan /caravan\` in its ` +
    `Dockerfile, then \`podman build -t ${image} .\` (or run the step with the host's agent: docker executor option agent: 'host')`
  );
}

/**
 * The image's agent when this task is to use it, undefined for the host's; throws when the option
 * or the image's agent does not allow the step to run.
 */
export function embeddedAgentFor(
  choice: AgentSource,
  image: string,
  found: ImageAgent,
  who: string,
): AgentManifest | undefined {
  if (choice === 'host') return undefined;
  if (found.kind === 'agent') {
    const { version, protocol } = found.manifest;
    if (protocol === AGENT_PROTOCOL) return found.manifest;
    const age = protocol < AGENT_PROTOCOL ? 'older' : 'newer';
    throw new Error(
      `${who}: image ${image} embeds caravan-agent ${version} (protocol ${protocol}), ${age} than this engine's ` +
        `caravan-agent ${AGENT_VERSION} (protocol ${AGENT_PROTOCOL}); ${rebuildHint(image)}`,
    );
  }
  if (choice === 'auto' && found.kind === 'none') return undefined;
  const why = found.kind === 'none' ? `it has no ${EMBEDDED_MANIFEST}` : found.why;
  throw new Error(`${who}: image ${image} has no usable embedded agent (${why}); ${rebuildHint(image)}`);
}

/** The label value and the step's log line for a task run by an embedded agent. */
export function embeddedNote(image: string, manifest: AgentManifest): string {
  return `the agent embedded in image ${image} ran this step (caravan-agent ${manifest.version}, protocol ${manifest.protocol})`;
}

/** Looks at each image once per executor. */
export class ImageAgents {
  private readonly seen = new Map<string, Promise<ImageAgent>>();

  constructor(private readonly read: (image: string) => Promise<ImageAgent>) {}

  /** `read`: how to look at the image when it was not looked at yet (default this class's own). */
  of(image: string, read: (image: string) => Promise<ImageAgent> = this.read): Promise<ImageAgent> {
    let found = this.seen.get(image);
    if (!found) {
      found = read(image);
      // A failure (a missing image, an unreachable daemon) is not remembered.
      found.catch(() => this.seen.delete(image));
      this.seen.set(image, found);
    }
    return found;
  }
}
