export { RegistryClient, type RegistryClientOptions } from './registry-client.js';
export { nameAndVersion } from './name-and-version.js';
export { registryTimeoutMs } from './registry-timeout.js';
export type { PublishProgress } from './publish-action.js';
export { parseActionRef, parseVersionRef, type ActionRef } from './action-ref.js';
export {
  RegistryError,
  RegistryHttpError,
  RegistryUnreachableError,
  RegistryTimeoutError,
  IntegrityError,
  InvalidActionNameError,
  InvalidSettingError,
} from './client-errors.js';
export { caravanHome, defaultCacheDir } from './caravan-home.js';
export { redactUrl, redactUrlsIn } from './redact.js';
export type * from './types.js';
export { describeError } from './describe-error.js';
export { readTar, TarballError, type TarEntry, type TarItem, type TarPolicy, type TarWords } from '../tarball/index.js';
