import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { chunksOf } from './chunk-source.js';
import { watchGroup, type GroupSentinel } from './group-sentinel.js';
import type { ExitResult, Runner, RunningAction } from './runner.js';

/**
 * Where the agent records the action's process group id (its pid), when its executor asks: the
 * process executor reads it to kill whatever the group still holds after the step, also when the
 * agent died. The action does not see the variable.
 */
export const PGID_FILE_VAR = 'CARAVAN_AGENT_PGID_FILE';

function recordGroup(path: string | undefined, pgid: number): void {
  if (!path) return;
  try {
    writeFileSync(path, `${pgid}\n`, { mode: 0o600 });
  } catch {
    // the executor then finds no group to check; the agent and its sentinel still kill it
  }
}

/**
 * The group sentinel starts once the action has printed something or has run this long, not at
 * its spawn: a spawn blocks the agent until the child is scheduled and execs, which on a loaded
 * machine is the largest part of a quick step's overhead, and a quick quiet action is reaped by
 * the agent itself. A SIGKILLed agent within that first moment leaves the group to the executor
 * (the PGID file below) or to the container's end.
 */
export const SENTINEL_DELAY_MS = 20;

/** Runs the action as a child in its own process group, so signals reach everything it started. */
export const processRunner: Runner = {
  start(command, args, { cwd, env: given }) {
    const { [PGID_FILE_VAR]: pgidFile, ...env } = given;
    return new Promise<RunningAction>((resolve, reject) => {
      const child = spawn(command, args, {
        cwd,
        env,
        detached: true,
        // isatty(0), not process.stdin.isTTY: that getter builds a stream the agent never reads (start-up time)
        stdio: [isatty(0) ? 'ignore' : 'inherit', 'pipe', 'pipe'],
      });
      let gone = false;
      const exited = new Promise<ExitResult>((done) =>
        child.once('exit', (code, signal) => {
          gone = true;
          done({ code, signal });
        }),
      );
      child.once('error', reject);
      child.once('spawn', () => {
        child.off('error', reject);
        child.on('error', () => undefined);
        recordGroup(pgidFile, child.pid!);
        let sentinel: GroupSentinel | undefined;
        let watching = false;
        const watch = () => {
          if (watching) return;
          watching = true;
          clearTimeout(soon);
          sentinel = watchGroup(child.pid!);
        };
        const soon = setTimeout(watch, SENTINEL_DELAY_MS).unref();
        resolve({
          pid: child.pid,
          stdout: chunksOf(child.stdout!, undefined, watch),
          stderr: chunksOf(child.stderr!, undefined, watch),
          exited,
          kill(signal) {
            // the group outlives its leader (background children); SIGKILL still reaches them
            if (gone && signal !== 'SIGKILL') return;
            try {
              process.kill(-child.pid!, signal);
            } catch {
              child.kill(signal);
            }
          },
          closeStreams() {
            child.stdout!.destroy();
            child.stderr!.destroy();
          },
          groupAlive() {
            try {
              process.kill(-child.pid!, 0);
              return true;
            } catch {
              return false;
            }
          },
          reapGroup() {
            let left = false;
            try {
              process.kill(-child.pid!, 0);
              left = true;
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // ESRCH: the group is empty
            }
            watching = true;
            clearTimeout(soon);
            sentinel?.release();
            return left;
          },
        });
      });
    });
  },
};
