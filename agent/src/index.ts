/** @caravan/agent as a library: the secret masker, so every part hides secrets by one policy. */
export { createMasker, DEFAULT_MAX_SECRET_BYTES, MIN_LINE_BYTES, MIN_SUBSTRING_BYTES } from './mask/index.js';
export type { ByteMaskStream, Masker, MaskerOptions } from './mask/index.js';
