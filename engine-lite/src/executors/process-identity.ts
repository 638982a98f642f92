/**
 * How the process executor knows its own agent before it has recorded the agent's pid. Before the
 * spawn, the task file records the intent to start under a fresh nonce; the spawned process (a
 * `sh` that then `exec`s the agent, so the pid stays the agent's) first creates the symlink
 * `<task>.<nonce>.pid` → its own pid. Creating a symlink is atomic and fails when the name exists,
 * so a resumed engine that finds no link claims the name itself (a link to `abandoned`): the
 * process of that start, if it was spawned at all, then exits (75) before running anything. The
 * link's pid is taken as the agent only while that process runs with the task's context path in
 * its command line (a reused pid has another command line); its start time is recorded then.
 */
import { readFileSync, readlinkSync, symlinkSync } from 'node:fs';

/** Exit status of a start that lost the claim to a resumed engine: nothing ran. */
export const ABANDONED_EXIT = 75;

/** `sh -c SCRIPT <link> <argv...>`: writes the link, then becomes the agent. */
export const CLAIM_SCRIPT = `ln -s "$$" "$0" 2>/dev/null || exit ${ABANDONED_EXIT}; exec "$@"`;

export type StartClaim =
  /** The started process claimed the link: its pid. */
  | { kind: 'started'; pid: number }
  /** Nothing was started under that nonce, and now nothing will be. */
  | { kind: 'abandoned' };

/** Who owns the start's link; claims it for nobody when nobody does yet. */
export function claimStart(link: string): StartClaim {
  try {
    symlinkSync('abandoned', link);
    return { kind: 'abandoned' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const target = readlinkSync(link);
  return /^\d+$/.test(target) ? { kind: 'started', pid: Number(target) } : { kind: 'abandoned' };
}

/** Whether `pid` runs now with `marker` (the task's context path) among its arguments. */
export function runsWith(pid: number, marker: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.includes(marker);
  } catch {
    return false;
  }
}
