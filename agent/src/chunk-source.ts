import type { Readable } from 'node:stream';

/**
 * The chunks of a Readable as an AsyncIterable, on plain `data`/`end` events. Node's own stream
 * iterator costs about a millisecond of start-up per stream, a tenth of the agent's budget.
 * At most `highWater` chunks wait for the consumer; past that the stream is paused (backpressure).
 * A stream closed before its end (the agent closing a pipe held by background processes) just ends.
 * `onFirst` runs when the first chunk arrives, before anything is done with it.
 */
export function chunksOf(stream: Readable, highWater = 16, onFirst?: () => void): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Buffer> {
      const queue: Buffer[] = [];
      let ended = false;
      let failure: Error | undefined;
      let wake: (() => void) | undefined;
      const notify = () => {
        const waiting = wake;
        wake = undefined;
        waiting?.();
      };
      let first = onFirst;
      stream.on('data', (chunk: Buffer) => {
        if (first) {
          first();
          first = undefined;
        }
        queue.push(chunk);
        if (queue.length >= highWater) stream.pause();
        notify();
      });
      stream.once('end', () => ((ended = true), notify()));
      stream.once('close', () => ((ended = true), notify()));
      stream.once('error', (err: Error) => ((failure = err), notify()));
      return {
        async next(): Promise<IteratorResult<Buffer>> {
          for (;;) {
            const chunk = queue.shift();
            if (chunk) {
              if (stream.isPaused() && queue.length < highWater / 2) stream.resume();
              return { value: chunk, done: false };
            }
            if (failure) throw failure;
            if (ended) return { value: undefined, done: true };
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
        async return(): Promise<IteratorResult<Buffer>> {
          stream.destroy();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
