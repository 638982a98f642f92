import { createHash } from 'node:crypto';

/** Subresource-integrity form, as npm writes it: `sha512-<base64>`. */
export function sha512Integrity(data: Buffer): string {
  return `sha512-${createHash('sha512').update(data).digest('base64')}`;
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

const INTEGRITY = /^sha512-([A-Za-z0-9+/]{86}==)$/;

export function isIntegrity(value: string): boolean {
  return INTEGRITY.test(value);
}

/** The hex digest inside an `sha512-<base64>` value, or undefined when it is not one. */
export function integrityHex(integrity: string): string | undefined {
  const m = INTEGRITY.exec(integrity);
  return m?.[1] ? Buffer.from(m[1], 'base64').toString('hex') : undefined;
}
