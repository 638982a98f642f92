import type { Writable } from 'node:stream';

/** Where the masked bytes of one stream go (the agent's own stdout or stderr). */
export interface Sink {
  write(chunk: Buffer): Promise<void>;
}

/**
 * A Sink over a Node stream that waits for `drain`, so a slow reader slows the action, not memory.
 * When the reader is gone (EPIPE), output is dropped: the action still runs to its end.
 */
export function streamSink(target: Writable | (() => Writable)): Sink {
  let opened: Writable | undefined;
  // a getter defers process.stdout's creation to the first byte: a quiet action never pays for it
  const open = (): Writable => {
    if (!opened) {
      opened = typeof target === 'function' ? target() : target;
      opened.on('error', () => undefined);
    }
    return opened;
  };
  if (typeof target !== 'function') open();
  return {
    write(chunk) {
      if (chunk.length === 0) return Promise.resolve();
      const stream = open();
      if (stream.destroyed || stream.write(chunk)) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('error', done);
          stream.off('close', done);
          resolve();
        };
        stream.once('drain', done);
        stream.once('error', done);
        stream.once('close', done);
      });
    },
  };
}
