/**
 * `caravan cancel` from another process only writes the request to the store: the engine driving
 * the run looks for it there every `everyMs` until it is found or the returned function is called.
 */
import type { Clock } from './clock.js';

export function pollCancelRequest(
  clock: Clock,
  everyMs: number,
  requested: () => Promise<boolean>,
  on: { cancel(): void; error(err: unknown): void },
): () => void {
  let stopped = false;
  let stopTimer = (): void => undefined;
  const arm = (): void => {
    stopTimer = clock.setTimer(everyMs, () => {
      requested().then(
        (yes) => {
          if (stopped) return;
          if (yes) on.cancel();
          else arm();
        },
        (err) => {
          if (stopped) return;
          on.error(err);
          arm();
        },
      );
    });
  };
  arm();
  return () => {
    stopped = true;
    stopTimer();
  };
}
