/** @caravan/agent as a library: the secret masker (every part hides secrets by one policy) and its file packing. */
export { createMasker, DEFAULT_MAX_SECRET_BYTES, MIN_LINE_BYTES, MIN_SUBSTRING_BYTES } from './mask/index.js';
export type { ByteMaskStream, Masker, MaskerOptions } from './mask/index.js';
/** How the agent packs a declared file or folder for the engine (the engine's tests unpack it). */
export { tarOf } from './tar-body.js';
export { SPOOL_MAX_BYTES } from './spool.js';
export type { Clock } from './clock.js';
/** Which agent this is, and the file that says so in its portable folder and in images. */
export { AGENT_MANIFEST_FILE, AGENT_PROTOCOL, AGENT_VERSION, agentManifest } from './version.js';
export type { AgentManifest } from './version.js';
