/**
 * Whether a process still runs, for the files and tasks a process leaves behind (temp blobs, task
 * pids). With the start time it recorded (`processStartTicks`), a reused pid does not count as the
 * same process; a zombie counts as gone (it has exited, its parent has not collected it yet).
 */
import { existsSync, readFileSync } from 'node:fs';

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
export function processStartTicks(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? Number(fields[19]) : undefined;
}

export function isAlive(pid: number, startTicks?: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!existsSync('/proc')) return true;
  const fields = statFields(pid);
  if (!fields) return false;
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return startTicks === undefined || Number(fields[19]) === startTicks;
}

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses):
 * `[0]` the state, `[2]` the process group, `[19]` the start time in clock ticks.
 */
export function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
