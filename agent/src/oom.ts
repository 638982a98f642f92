import { readFileSync } from 'node:fs';

/**
 * How many times the kernel's OOM killer has struck in this cgroup, or undefined when unreadable.
 * cgroup v2: `memory.events` line `oom_kill N`; v1: `memory.oom_control` line `oom_kill N`.
 */
export function readOomKills(
  files = ['/sys/fs/cgroup/memory.events', '/sys/fs/cgroup/memory/memory.oom_control'],
): number | undefined {
  for (const file of files) {
    try {
      const m = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
      if (m) return Number(m[1]);
    } catch {
      // not this cgroup layout
    }
  }
  return undefined;
}
