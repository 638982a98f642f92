export { DEFAULT_TARBALL_LIMITS, type TarballLimits } from './limits.js';
export { TarballError, type TarballErrorCode } from './tarball-error.js';
export type { InspectedPackage, PackageEntry, PackageEntryType } from './inspected-package.js';
export { inspectTarball } from './inspect.js';
export { packAction, type PackedAction } from './pack.js';
export { extractTarball } from './extract.js';
export { sha512Integrity, sha256Hex, isIntegrity, integrityHex } from './integrity.js';
