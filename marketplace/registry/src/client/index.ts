export { RegistryClient, nameAndVersion, type RegistryClientOptions, type PublishProgress } from './registry-client.js';
export { parseActionRef, type ActionRef } from './action-ref.js';
export {
  RegistryError,
  RegistryUnreachableError,
  RegistryTimeoutError,
  IntegrityError,
  InvalidActionNameError,
} from './client-errors.js';
export { caravanHome, defaultCacheDir } from './caravan-home.js';
export { redactUrl } from './http-transport.js';
export type * from './types.js';
export { describeError } from './describe-error.js';
export { readTar, TarballError, type TarEntry, type TarItem, type TarPolicy, type TarWords } from '../tarball/index.js';
