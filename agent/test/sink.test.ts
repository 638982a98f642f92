import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { streamSink } from '../src/sink.js';

describe('streamSink', () => {
  it('makes a stream given by a getter only on the first byte', async () => {
    const target = new PassThrough();
    let made = 0;
    const sink = streamSink(() => (made++, target));
    await sink.write(Buffer.alloc(0));
    expect(made).toBe(0);
    await sink.write(Buffer.from('a'));
    await sink.write(Buffer.from('b'));
    expect(made).toBe(1);
    expect(target.read()?.toString()).toBe('ab');
  });

  it('waits for drain when the reader is slow', async () => {
    const writes: string[] = [];
    let release: () => void = () => undefined;
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, callback) {
        writes.push(chunk.toString());
        release = callback;
      },
    });
    const sink = streamSink(slow);
    let settled = false;
    const pending = sink.write(Buffer.from('xx')).then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release();
    await pending;
    expect(writes).toEqual(['xx']);
  });

  it('drops output once the reader is gone, without throwing', async () => {
    const gone = new PassThrough();
    gone.destroy();
    await expect(streamSink(gone).write(Buffer.from('lost'))).resolves.toBeUndefined();
  });
});
