import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chunksOf } from '../src/chunk-source.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('chunksOf', () => {
  it('yields every chunk in order, then ends with the stream', async () => {
    const got: string[] = [];
    for await (const chunk of chunksOf(Readable.from(['a', 'b', 'c'].map((s) => Buffer.from(s)))))
      got.push(chunk.toString());
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('pauses the stream while highWater chunks wait, and resumes once the consumer catches up', async () => {
    const stream = new PassThrough();
    const chunks = chunksOf(stream, 4)[Symbol.asyncIterator]();
    const first = chunks.next();
    for (let i = 0; i < 6; i++) stream.write(Buffer.from(String(i)));
    await tick();
    expect((await first).value?.toString()).toBe('0');
    expect(stream.isPaused()).toBe(true);
    const rest: string[] = [];
    for (let i = 0; i < 5; i++) rest.push((await chunks.next()).value!.toString());
    expect(rest).toEqual(['1', '2', '3', '4', '5']);
    expect(stream.isPaused()).toBe(false);
    stream.end();
    expect((await chunks.next()).done).toBe(true);
  });

  it('throws the stream error to the consumer', async () => {
    const stream = new PassThrough();
    const chunks = chunksOf(stream)[Symbol.asyncIterator]();
    const next = chunks.next();
    stream.destroy(new Error('pipe broke'));
    await expect(next).rejects.toThrow('pipe broke');
  });

  it('ends, keeping what came, when the stream is closed before its end', async () => {
    const stream = new PassThrough();
    const got: string[] = [];
    const done = (async () => {
      for await (const chunk of chunksOf(stream)) got.push(chunk.toString());
    })();
    stream.write('kept');
    await tick();
    stream.destroy();
    await done;
    expect(got).toEqual(['kept']);
  });

  it('destroys the stream when the consumer stops early', async () => {
    const stream = new PassThrough();
    stream.write('one');
    for await (const chunk of chunksOf(stream)) {
      expect(chunk.toString()).toBe('one');
      break;
    }
    expect(stream.destroyed).toBe(true);
  });
});
