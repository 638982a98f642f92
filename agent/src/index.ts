/** @caravan/agent as a library: the secret masker (every part hides secrets by one policy) and its file packing. */
export { createMasker, DEFAULT_MAX_SECRET_BYTES, MIN_LINE_BYTES, MIN_SUBSTRING_BYTES } from './mask/index.js';
export type { ByteMaskStream, Masker, MaskerOptions } from './mask/index.js';
/** How the agent packs a declared file or folder for the engine (the engine's tests unpack it). */
export { tarOf } from './tar-body.js';
export type { Clock } from './clock.js';
