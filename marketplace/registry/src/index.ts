/**
 * @caravan/registry: the registry service (store, server, gc, admin), its client (resolve, fetch,
 * publish, lifecycle), and the tarball checks both sides share. The one entry other parts import.
 */
export { startRegistry, type RunningRegistry, type StartOptions } from './serve.js';
export { openStore, openBlobs, defaultDataDir, type OpenOptions } from './open.js';
export { addUser, grant, createTokenFor, revokeTokenById } from './admin.js';
export { Registry } from './registry.js';
export { collectGarbage, DEFAULT_GC_MIN_AGE_MS, type GcOptions, type GcResult } from './gc.js';
export { createServer } from './server/app.js';
export { RegistryError } from './errors.js';
export { parseActionName, type ActionName } from './names.js';
export { resolveSpec, type Resolution, type Candidate } from './resolve.js';
export type { RegistryStore, Role, Access } from './store/types.js';
export {
  RegistryClient,
  nameAndVersion,
  parseActionRef,
  RegistryError as RegistryClientError,
  RegistryUnreachableError,
  RegistryTimeoutError,
  IntegrityError,
  InvalidActionNameError,
  caravanHome,
  defaultCacheDir,
  redactUrl,
  describeError,
  type RegistryClientOptions,
  type PublishProgress,
  type ActionRef,
} from './client/index.js';
export type * from './client/types.js';
export * from './tarball/index.js';
export { callRegistry, parseVersionRef } from './lifecycle-client.js';
