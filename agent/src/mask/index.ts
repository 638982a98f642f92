/**
 * Secret masking for the agent: `createMasker(secrets)` gives the task's Masker; rules for users
 * in docs/masking.md.
 */
import { DeferredMasker } from './deferred-masker.js';
import { SecretMasker, type MaskerOptions } from './masker.js';
import type { Masker } from './types.js';

export type { ByteMaskStream, Masker } from './types.js';
export type { MaskerOptions } from './masker.js';
export { DEFAULT_MAX_SECRET_BYTES } from './masker.js';
export { MIN_LINE_BYTES, MIN_SUBSTRING_BYTES } from './variants.js';

/** A masker for these secrets (empty and whitespace-only values are ignored). */
export function createMasker(secrets: readonly string[], options?: MaskerOptions): Masker {
  return new SecretMasker(secrets, options);
}

/** As `createMasker`, with the patterns compiled on first use (see DeferredMasker); the secrets are checked at once. */
export function createDeferredMasker(secrets: readonly string[], options?: MaskerOptions): Masker {
  return new DeferredMasker(secrets, options);
}
