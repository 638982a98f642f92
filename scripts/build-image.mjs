#!/usr/bin/env node
// Builds the agent image `caravan/agent:<version>` (npm run build:image): FROM scratch, the portable
// agent folder (dist/agent-portable, from `node scripts/build.mjs --sea`) at /caravan/, and nothing else:
//   /caravan/caravan-agent   static entry (no shell needed)      /caravan/bin/caravan-agent  the executable
//   /caravan/lib/            the glibc loader and libraries       /caravan/agent.json        agentManifest()
// labelled io.caravan.agent.version and io.caravan.agent.protocol. An action image embeds it with
//   COPY --from=caravan/agent:<version> /caravan /caravan
//   ENTRYPOINT ["/caravan/caravan-agent", "run", "--"]
// Uses podman, else docker (CARAVAN_CONTAINER_CLI picks one). The image is rebuilt only when the folder
// changed: the label io.caravan.agent.inputs holds a digest of its files.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const AGENT_IMAGE_REPOSITORY = 'caravan/agent';
const INPUTS_LABEL = 'io.caravan.agent.inputs';

/** The container CLI: CARAVAN_CONTAINER_CLI, else podman, else docker. */
export function containerCli(env = process.env) {
  const candidates = env.CARAVAN_CONTAINER_CLI ? [env.CARAVAN_CONTAINER_CLI] : ['podman', 'docker'];
  for (const cli of candidates) {
    try {
      execFileSync(cli, ['--version'], { stdio: 'ignore', env });
      return cli;
    } catch {
      // not installed: try the next
    }
  }
  throw new Error(`no container CLI found (tried ${candidates.join(', ')}): install podman or docker`);
}

/** A digest of every file under `dir` (paths, modes, contents): the image is rebuilt when it changes. */
function folderDigest(dir) {
  const hash = createHash('sha256');
  for (const rel of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const file = join(dir, rel);
    const st = statSync(file);
    hash.update(`${rel}\0${st.mode}\0`);
    if (st.isFile()) hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

function inspectLabel(cli, image, label, env) {
  try {
    return execFileSync(cli, ['image', 'inspect', '--format', `{{index .Config.Labels "${label}"}}`, image], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env,
    }).trim();
  } catch {
    return undefined; // no such image
  }
}

/**
 * Builds (or finds up to date) the agent image from `portableDir`; returns its tag and whether it was
 * built. Throws when the folder is missing or incomplete, with the command that makes it.
 */
export function buildAgentImage({ portableDir = join(root, 'dist/agent-portable'), env = process.env, tag } = {}) {
  const manifestFile = join(portableDir, 'agent.json');
  for (const needed of ['caravan-agent', 'bin/caravan-agent', 'lib/ld-linux-x86-64.so.2', 'agent.json'])
    if (!existsSync(join(portableDir, needed)))
      throw new Error(
        `${relative(process.cwd(), join(portableDir, needed)) || needed} is missing: build the portable agent first (node scripts/build.mjs --sea)`,
      );
  if (readFileSync(join(portableDir, 'caravan-agent')).subarray(0, 2).toString() === '#!')
    throw new Error(
      `${portableDir}/caravan-agent is the sh entry (no C compiler with a static libc was found by scripts/sea.mjs), ` +
        'and a FROM scratch image has no /bin/sh: install gcc and libc6-dev, then node scripts/build.mjs --sea',
    );
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const image = tag ?? `${AGENT_IMAGE_REPOSITORY}:${manifest.version}`;
  const cli = containerCli(env);
  const digest = folderDigest(portableDir);
  if (inspectLabel(cli, image, INPUTS_LABEL, env) === digest) return { image, built: false, cli };

  const context = mkdtempSync(join(tmpdir(), 'caravan-agent-image-'));
  try {
    cpSync(portableDir, join(context, 'caravan'), { recursive: true });
    writeFileSync(
      join(context, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY caravan /caravan',
        `LABEL io.caravan.agent.version="${manifest.version}" io.caravan.agent.protocol="${manifest.protocol}" ${INPUTS_LABEL}="${digest}"`,
        'ENTRYPOINT ["/caravan/caravan-agent"]',
        '',
      ].join('\n'),
    );
    try {
      execFileSync(cli, ['build', '--quiet', '-t', image, context], { stdio: ['ignore', 'pipe', 'pipe'], env });
    } catch (err) {
      throw new Error(`${cli} build of ${image} failed:\n${err.stderr ?? err.message}`);
    }
    return { image, built: true, cli };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { image, built } = buildAgentImage();
    console.log(built ? `built ${image}` : `${image} is up to date`);
  } catch (err) {
    console.error(`build:image: ${err.message}`);
    process.exit(1);
  }
}
