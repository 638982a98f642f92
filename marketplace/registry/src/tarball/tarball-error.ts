export type TarballErrorCode =
  | 'not-gzip'
  | 'corrupt'
  | 'invalid-path'
  | 'path-traversal'
  | 'absolute-path'
  | 'duplicate-entry'
  | 'link-outside'
  | 'device-file'
  | 'unsupported-entry'
  | 'too-many-entries'
  | 'too-large'
  | 'missing-action-yml'
  | 'not-a-directory'
  | 'destination-exists';

/** A package that cannot be accepted: says which entry, what is wrong and how to fix it. */
export class TarballError extends Error {
  constructor(
    readonly code: TarballErrorCode,
    message: string,
    readonly entry?: string,
  ) {
    super(message);
    this.name = 'TarballError';
  }
}
