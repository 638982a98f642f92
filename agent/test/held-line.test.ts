/**
 * A whole line the masker holds back (its tail may start a pattern that spans lines, or the prefix
 * filter answered yes by chance) goes out once the stream stays quiet for a partial-line tick: a
 * quiet action's last line never waits for bytes that may not come.
 */
import { describe, expect, it } from 'vitest';
import { createMasker } from '../src/mask/index.js';
import { StreamPump } from '../src/stream-pump.js';

const MULTI_LINE = 'first-part-x\nsecond-part-y';

function setup() {
  const masker = createMasker([MULTI_LINE]);
  const written: Buffer[] = [];
  const lines: string[] = [];
  const pump = new StreamPump(
    masker.stream(),
    { write: async (b) => void written.push(Buffer.from(b)) },
    { onLine: () => undefined, onMaskedLines: (l) => void lines.push(l) },
  );
  return { pump, out: () => Buffer.concat(written).toString(), lines };
}

describe('a line held back by the masker', () => {
  it('is held while it may start a secret that spans lines', async () => {
    const stream = createMasker([MULTI_LINE]).stream();
    expect(stream.push(Buffer.from('hello first-part-x\n')).toString()).toBe('hello ');
    expect(stream.releaseLine().toString()).toBe('***\n');
    expect(stream.push(Buffer.from('second-part-y\n')).toString()).toBe('***\n');
    expect(stream.end().toString()).toBe('');
  });

  it('goes out, masked, after one quiet tick, not on the tick right after output', async () => {
    const { pump, out, lines } = setup();
    await pump.push(Buffer.from('hello first-part-x\n'));
    expect(out()).toBe('hello ');
    await pump.flushPartial();
    expect(out()).toBe('hello ');
    await pump.flushPartial();
    expect(out()).toBe('hello ***\n');
    expect(lines).toEqual(['hello ***']);
    await pump.end();
    expect(out()).toBe('hello ***\n');
  });

  it('is not released when the held bytes do not end a line, nor once the secret completes', async () => {
    const stream = createMasker([MULTI_LINE]).stream();
    expect(stream.push(Buffer.from('say first-pa')).toString()).toBe('say ');
    expect(stream.releaseLine().toString()).toBe('');
    expect(stream.push(Buffer.from('rt-x\nsecond-part-y and more\n')).toString()).toBe('*** and more\n');
    expect(stream.end().toString()).toBe('');
  });
});
