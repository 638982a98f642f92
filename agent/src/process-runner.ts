import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { chunksOf } from './chunk-source.js';
import { watchGroup } from './group-sentinel.js';
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
        const sentinel = watchGroup(child.pid!);
        resolve({
          pid: child.pid,
          stdout: chunksOf(child.stdout!),
          stderr: chunksOf(child.stderr!),
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
          reapGroup() {
            let left = false;
            try {
              process.kill(-child.pid!, 0);
              left = true;
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // ESRCH: the group is empty
            }
            sentinel?.release();
            return left;
          },
        });
      });
    });
  },
};
