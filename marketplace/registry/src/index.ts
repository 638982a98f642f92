export { startRegistry, type RunningRegistry, type StartOptions } from './serve.js';
export { openStore, openBlobs, defaultDataDir, type OpenOptions } from './open.js';
export { addUser, grant, createTokenFor, revokeTokenById } from './admin.js';
export { Registry } from './registry.js';
export { createServer } from './server/app.js';
export { RegistryError } from './errors.js';
export { parseActionName, type ActionName } from './names.js';
export { resolveSpec, type Resolution, type Candidate } from './resolve.js';
export type { RegistryStore, Role, Access } from './store/types.js';
