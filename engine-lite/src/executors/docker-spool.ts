/**
 * The agent's spool copied out of a container whose task folder was not bind-mounted (delivery
 * `copy`, or a report written into the workspace): `GET .../archive` of the spool folder, unpacked
 * on the host through the registry's strict tar reader (files and folders only, bounded).
 */
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TarPolicy } from '@caravan/registry';
import { unpackFresh } from '../tar.js';
import type { DockerApi } from './docker-api.js';

/** The agent's spool is bounded at 64 MB (agent/src/http-reporter.ts); room for its bookkeeping. */
const SPOOL_POLICY: TarPolicy = {
  maxEntries: 100_000,
  maxBytes: 128 * 1024 * 1024,
  maxPathBytes: 4096,
  symlinks: false,
  ignoreXattrs: true,
  words: {
    archive: "agent's spool",
    folder: 'the spool folder',
    remedy: 'the spool may hold only the files the agent writes',
    shrink: 'the spool must be smaller',
  },
};

/**
 * Unpacks the container's folder `spoolPath` under `dest` (replaced); the host folder holding it,
 * or undefined when the container has no such folder (the agent spooled nothing).
 */
export async function copySpoolOut(
  api: DockerApi,
  containerId: string,
  spoolPath: string,
  dest: string,
): Promise<string | undefined> {
  const archive = await api.getArchive(containerId, spoolPath);
  if (!archive) return undefined;
  rmSync(dest, { recursive: true, force: true });
  await unpackFresh(
    (async function* () {
      yield archive;
    })(),
    dest,
    SPOOL_POLICY,
  );
  return join(dest, basename(spoolPath));
}
