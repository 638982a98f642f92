/**
 * The action's process group, as the process executor sees it: the agent records the group's id
 * (the action's pid) in a file the executor names (`CARAVAN_AGENT_PGID_FILE`), so the group can be
 * found and killed after the step — also when the agent died and left it behind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { statFields } from '@caravan/registry';

/** The variable naming the file where the agent writes the action's process group id. */
export const PGID_FILE_VAR = 'CARAVAN_AGENT_PGID_FILE';

export function readPgid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Live members of process group `pgid` that started at or after `notBefore` (clock ticks since
 * boot: the agent's start, so a group id reused after a pid wrap-around is not taken for the
 * action's). Zombies are left out. Without /proc: the group's id when it has any member.
 */
export function groupMembers(pgid: number, notBefore?: number): number[] {
  // The common case, at the end of every step: the group is empty, and one syscall says so.
  if (!signal(pgid, 0)) return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [pgid];
  }
  const pids: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (!f || Number(f[2]) !== pgid || f[0] === 'Z' || f[0] === 'X') continue;
    if (notBefore !== undefined && Number(f[19]) < notBefore) continue;
    pids.push(Number(name));
  }
  return pids;
}

/** SIGKILLs what is left of the action's group; the pids it found there. */
export function killGroup(pgid: number, notBefore?: number): number[] {
  const left = groupMembers(pgid, notBefore);
  if (left.length > 0 && !signal(pgid, 'SIGKILL')) for (const pid of left) signalPid(pid, 'SIGKILL');
  return left;
}

/** Signals a process group, or the process alone when it leads none. */
export function signalGroup(pid: number, sig: NodeJS.Signals): void {
  if (!signal(pid, sig)) signalPid(pid, sig);
}

function signal(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}
