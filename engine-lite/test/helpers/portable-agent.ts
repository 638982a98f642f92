/**
 * The portable caravan-agent folder the container tests copy into images: the real one from
 * `node scripts/build.mjs --sea` (dist/agent-portable) when it exists, else a throwaway folder
 * built here: this Node binary, its glibc loader and libraries, the agent bundle (dist/agent.cjs,
 * or a stand-in script that follows the agent's interface when the bundle is not built), and the
 * POSIX sh entry `caravan-agent`. `CARAVAN_TEST_AGENT=stub` forces the stand-in,
 * `CARAVAN_TEST_AGENT=portable` the real portable folder even when it is older than the bundle.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_MANIFEST_FILE, agentManifest } from '@caravan/agent';
import { STUB_AGENT_SOURCE } from './stub-agent.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const REAL_PORTABLE_AGENT = join(root, 'dist/agent-portable');
const AGENT_BUNDLE = join(root, 'dist/agent.cjs');
const THROWAWAY = '/tmp/caravan-test-agent-portable';

/** Newest modification time of any file under a folder. */
function newest(dir: string): number {
  let latest = 0;
  for (const name of readdirSync(dir, { recursive: true }))
    latest = Math.max(latest, statSync(join(dir, String(name))).mtimeMs);
  return latest;
}

/**
 * The real portable folder, unless it is older than the agent bundle (`npm test` rebuilds only
 * the bundle, so a stale single executable would test yesterday's agent).
 */
export function usesRealAgent(): boolean {
  if (process.env.CARAVAN_TEST_AGENT === 'stub' || !existsSync(join(REAL_PORTABLE_AGENT, 'caravan-agent')))
    return false;
  if (process.env.CARAVAN_TEST_AGENT === 'portable') return true;
  return !existsSync(AGENT_BUNDLE) || newest(REAL_PORTABLE_AGENT) >= statSync(AGENT_BUNDLE).mtimeMs;
}

export function portableAgentDir(): string {
  if (usesRealAgent()) return REAL_PORTABLE_AGENT;
  if (!existsSync(join(THROWAWAY, 'caravan-agent'))) buildThrowaway();
  const bundle = usesAgentBundle() ? readFileSync(AGENT_BUNDLE) : Buffer.from(STUB_AGENT_SOURCE);
  const target = join(THROWAWAY, 'agent.cjs');
  if (!existsSync(target) || !readFileSync(target).equals(bundle)) {
    // Replaced atomically: another test file may be copying the folder into a container.
    const staged = `/tmp/caravan-test-agent-${process.pid}.cjs`;
    writeFileSync(staged, bundle);
    renameSync(staged, target);
  }
  writeManifest(THROWAWAY);
  return THROWAWAY;
}

/** The manifest a portable folder carries (`agent.json`: which agent, which protocol), as scripts/sea.mjs writes it. */
function writeManifest(dir: string): void {
  const manifest = `${JSON.stringify(agentManifest())}\n`;
  const target = join(dir, AGENT_MANIFEST_FILE);
  if (existsSync(target) && readFileSync(target, 'utf8') === manifest) return;
  const staged = `/tmp/caravan-test-agent-${process.pid}.json`;
  writeFileSync(staged, manifest);
  renameSync(staged, target);
}

/** Whether the throwaway folder runs the real agent bundle rather than the stand-in. */
export function usesAgentBundle(): boolean {
  return process.env.CARAVAN_TEST_AGENT !== 'stub' && existsSync(AGENT_BUNDLE);
}

function buildThrowaway(): void {
  const staging = mkdtempSync('/tmp/caravan-test-agent-staging-');
  mkdirSync(join(staging, 'lib'));
  copyFileSync(process.execPath, join(staging, 'node'));
  chmodSync(join(staging, 'node'), 0o755);
  let loader = '';
  for (const line of execFileSync('ldd', [process.execPath], { encoding: 'utf8' }).split('\n')) {
    const library = /=>\s*(\/\S+)/.exec(line)?.[1];
    const direct = /^\s*(\/\S+ld-linux\S*)\s/.exec(line)?.[1];
    if (library) copyFileSync(library, join(staging, 'lib', basename(library)));
    if (direct) {
      loader = basename(direct);
      copyFileSync(direct, join(staging, 'lib', loader));
      chmodSync(join(staging, 'lib', loader), 0o755);
    }
  }
  if (!loader) throw new Error(`ldd ${process.execPath} named no dynamic loader`);
  writeFileSync(
    join(staging, 'caravan-agent'),
    `#!/bin/sh\nd=$(dirname "$0")\nexec "$d/lib/${loader}" --library-path "$d/lib" "$d/node" "$d/agent.cjs" "$@"\n`,
    { mode: 0o755 },
  );
  try {
    renameSync(staging, THROWAWAY);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another test file built it first
  }
}
