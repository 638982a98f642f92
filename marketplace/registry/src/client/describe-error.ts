import { RegistryError, RegistryHttpError } from './client-errors.js';

/** One readable text for any error the client raises: message, then the server's hint. */
export function describeError(err: unknown): string {
  if (err instanceof RegistryError) {
    const hint = err.hint ? `\nhint: ${err.hint}` : '';
    return `${err.message} (${err instanceof RegistryHttpError ? `HTTP ${err.status} ` : ''}${err.code})${hint}`;
  }
  return err instanceof Error ? err.message : String(err);
}
