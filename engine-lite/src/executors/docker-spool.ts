/**
 * The agent's spool copied out of a container whose task folder was not bind-mounted (delivery
 * `copy`, or a report written into the workspace): `GET .../archive` of the spool folder, streamed
 * through the registry's strict tar reader (files and folders only) onto the host, within the
 * agent's own spool limit.
 */
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TarPolicy } from '@caravan/registry';
import { MAX_SPOOL_BYTES } from '../spool-intake.js';
import { unpackFresh } from '../tar.js';
import type { ArchiveLimit, DockerApi } from './docker-api.js';

/** The queue, and one file per declared file the agent could not deliver. */
const MAX_SPOOL_ENTRIES = 4096;
/** A header, a pax header and padding per entry, at most. */
const TAR_BYTES_PER_ENTRY = 2048;

const REMEDY =
  'the spool folder (the report path with `.spool` after it) must hold only what the agent writes there; the action must not write to it';

const SPOOL_LIMIT: ArchiveLimit = {
  maxBytes: MAX_SPOOL_BYTES + MAX_SPOOL_ENTRIES * TAR_BYTES_PER_ENTRY,
  what: "the agent's spool",
  remedy: REMEDY,
};

const SPOOL_POLICY: TarPolicy = {
  maxEntries: MAX_SPOOL_ENTRIES,
  maxBytes: MAX_SPOOL_BYTES,
  maxPathBytes: 4096,
  symlinks: false,
  ignoreXattrs: true,
  words: { archive: "agent's spool", folder: 'the spool folder', remedy: REMEDY, shrink: REMEDY },
};

/**
 * Unpacks the container's folder `spoolPath` under `dest` (replaced); the host folder holding it,
 * or undefined when the container has no such folder (the agent spooled nothing). Throws
 * ArchiveTooLarge or TarballError (nothing is left under `dest`) past the limits.
 */
export async function copySpoolOut(
  api: DockerApi,
  containerId: string,
  spoolPath: string,
  dest: string,
): Promise<string | undefined> {
  const archive = await api.openArchive(containerId, spoolPath, SPOOL_LIMIT);
  if (!archive) return undefined;
  rmSync(dest, { recursive: true, force: true });
  await unpackFresh(archive, dest, SPOOL_POLICY);
  return join(dest, basename(spoolPath));
}
