import { describe, expect, it } from 'vitest';
import { DeferredMasker } from '../../src/mask/deferred-masker.js';
import { createDeferredMasker, createMasker } from '../../src/mask/index.js';

describe('DeferredMasker (patterns compiled on first use)', () => {
  it('compiles nothing until first used, then masks as the eager masker does', () => {
    const secrets = ['hunter2-password', 'AKIAEXAMPLEKEY99', 'p@ss w0rd!'];
    const deferred = new DeferredMasker(secrets);
    expect(deferred.isBuilt).toBe(false);
    expect(deferred.replacements).toBe(0);
    const text = `login hunter2-password ${Buffer.from('AKIAEXAMPLEKEY99').toString('base64')} p%40ss%20w0rd!`;
    const stream = deferred.stream();
    expect(deferred.isBuilt).toBe(true);
    const masked = Buffer.concat([stream.push(Buffer.from(`${text}\n`)), stream.end()]).toString();
    expect(masked).toBe(`${createMasker(secrets).maskString(text)}\n`);
    expect(masked).toBe('login *** *** ***\n');
    expect(deferred.replacements).toBe(3);
    deferred.add('added-later-secret');
    expect(createDeferredMasker([]).maskString('x added-later-secret')).toBe('x added-later-secret');
    expect(deferred.maskString('x added-later-secret')).toBe('x ***');
  });

  it('refuses bad secrets at once, with the eager masker’s messages, before anything is compiled', () => {
    expect(() => createDeferredMasker(['ok-value', 42 as unknown as string])).toThrow(
      /secret #2 is a number, expected a string/,
    );
    expect(() => createDeferredMasker(['S3CR3T'.repeat(20)], { maxSecretBytes: 64 })).toThrow(
      /secret #1 has a line of 120 bytes, over the limit of 64 bytes; shorten it or raise maxSecretBytes/,
    );
    expect(() => createDeferredMasker(['S3CR3T'.repeat(20)], { maxSecretBytes: 64 })).not.toThrow(/S3CR3T/);
  });
});
