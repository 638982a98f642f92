/**
 * Nothing an action starts outlives the agent, even a SIGKILLed agent: a tiny `sh` in a session of
 * its own holds the read end of a pipe whose write end only the agent has. When the agent exits,
 * however it exits, the pipe closes and the sentinel SIGKILLs the action's process group. Linux's
 * PR_SET_PDEATHSIG would do the same, but Node cannot set it. In an image without `/bin/sh` there
 * is no sentinel; there the agent is usually the container's PID 1, whose death ends every process.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const SHELL = '/bin/sh';
// `read` returns at EOF: the agent is gone. (`kill -9 -PGID`: dash and busybox refuse `kill -KILL -- -PGID`.)
const SCRIPT = 'read _; kill -9 "-$1" 2>/dev/null; exit 0';

export interface GroupSentinel {
  /** Lets the sentinel go without killing anything: the agent has emptied the group itself. */
  release(): void;
}

export function watchGroup(pgid: number): GroupSentinel | undefined {
  try {
    accessSync(SHELL, constants.X_OK);
  } catch {
    return undefined;
  }
  let child;
  try {
    child = spawn(SHELL, ['-c', SCRIPT, 'caravan-sentinel', String(pgid)], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  } catch {
    return undefined;
  }
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  child.unref();
  // The pipe must not keep the agent's event loop alive.
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    release() {
      child.kill('SIGKILL');
    },
  };
}
