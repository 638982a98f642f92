/**
 * The agent image `caravan/agent:<version>`: FROM scratch, the portable agent folder at /caravan/
 * (entry, executable, glibc loader and libraries, agent.json), labelled io.caravan.agent.version and
 * io.caravan.agent.protocol, nothing else. Rebuilt only when the folder changed (the label
 * io.caravan.agent.inputs holds a digest of its files).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AgentManifest } from '@caravan/agent';
import { installedAgent } from '../agent-location.js';
import { buildImage, containerCli, imageLabel } from './container-cli.js';

export const AGENT_IMAGE_REPOSITORY = 'caravan/agent';
const INPUTS_LABEL = 'io.caravan.agent.inputs';

/** The folder cannot make an agent image; the message says how to make one that can. */
export class AgentImageError extends Error {}

export interface AgentImageOptions {
  /** The portable agent folder; default the one that comes with this caravan. */
  portableDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Default `caravan/agent:<version of the folder's agent.json>`. */
  tag?: string;
}

/** The portable folder of this caravan's agent, or an error saying how to build it. */
export function installedPortableDir(): string {
  const agent = installedAgent();
  if (agent?.kind !== 'portable')
    throw new AgentImageError(
      'this caravan has no current portable agent (dist/agent-portable): build it with npm run build (node scripts/build.mjs --sea)',
    );
  return dirname(agent.path);
}

/** A digest of every file under `dir` (paths, modes, contents). */
function folderDigest(dir: string): string {
  const hash = createHash('sha256');
  for (const rel of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const st = statSync(join(dir, rel));
    hash.update(`${rel}\0${st.mode}\0`);
    if (st.isFile()) hash.update(readFileSync(join(dir, rel)));
  }
  return hash.digest('hex');
}

function readManifest(portableDir: string): AgentManifest {
  for (const needed of ['caravan-agent', 'bin/caravan-agent', 'lib/ld-linux-x86-64.so.2', 'agent.json'])
    if (!existsSync(join(portableDir, needed)))
      throw new AgentImageError(
        `${join(portableDir, needed)} is missing: build the portable agent first (node scripts/build.mjs --sea)`,
      );
  if (readFileSync(join(portableDir, 'caravan-agent')).subarray(0, 2).toString() === '#!')
    throw new AgentImageError(
      `${portableDir}/caravan-agent is the sh entry (scripts/sea.mjs found no C compiler with a static libc), ` +
        'and a FROM scratch image has no /bin/sh: install gcc and libc6-dev, then node scripts/build.mjs --sea',
    );
  return JSON.parse(readFileSync(join(portableDir, 'agent.json'), 'utf8')) as AgentManifest;
}

/** Builds the agent image, or finds it up to date; returns its name and whether it was built. */
export function buildAgentImage(options: AgentImageOptions = {}): { image: string; built: boolean } {
  const env = options.env ?? process.env;
  const portableDir = options.portableDir ?? installedPortableDir();
  const manifest = readManifest(portableDir);
  const image = options.tag ?? `${AGENT_IMAGE_REPOSITORY}:${manifest.version}`;
  const cli = containerCli(env);
  const digest = folderDigest(portableDir);
  if (imageLabel(cli, image, INPUTS_LABEL, env) === digest) return { image, built: false };

  const context = mkdtempSync(join(tmpdir(), 'caravan-agent-image-'));
  try {
    cpSync(portableDir, join(context, 'caravan'), { recursive: true });
    const labels = [
      `io.caravan.agent.version="${manifest.version}"`,
      `io.caravan.agent.protocol="${manifest.protocol}"`,
      `${INPUTS_LABEL}="${digest}"`,
    ];
    writeFileSync(
      join(context, 'Dockerfile'),
      `FROM scratch\nCOPY caravan /caravan\nLABEL ${labels.join(' ')}\nENTRYPOINT ["/caravan/caravan-agent"]\n`,
    );
    const result = buildImage(cli, image, context, env);
    if (!result.ok) throw new AgentImageError(`${cli} build of ${image} failed: ${result.stderr.trim()}`);
    return { image, built: true };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
