export { DEFAULT_TARBALL_LIMITS, type TarballLimits } from './limits.js';
export { TarballError, type TarballErrorCode } from './tarball-error.js';
export type { InspectedPackage, PackageEntry, PackageEntryType } from './inspected-package.js';
export { inspectTarball, packagePolicy } from './inspect.js';
export {
  readTar,
  PACKAGE_WORDS,
  type TarEntry,
  type TarEntryType,
  type TarItem,
  type TarPolicy,
  type TarWords,
} from './tar-reader.js';
export { packAction, type PackedAction } from './pack.js';
export { extractTarball } from './extract.js';
export { sha512Integrity, sha256Hex, isIntegrity, integrityHex } from './integrity.js';
