/**
 * The key that seals secrets at rest (AES-256-GCM): `CARAVAN_SECRET_KEY` (32 bytes, base64 or hex),
 * else the key file `CARAVAN_SECRET_KEY_FILE` or `<home>/secret.key`, made on first use with mode
 * 0600. A key file that others may read is refused rather than silently trusted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class SecretKeyError extends Error {}

export interface SecretKey {
  key: Buffer;
  /** Where the key came from, for errors: `CARAVAN_SECRET_KEY` or the key file's path. */
  source: string;
  /** The key file, when the key came from one. */
  file?: string;
}

export function secretKeyFile(home: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.CARAVAN_SECRET_KEY_FILE || join(home, 'secret.key');
}

export function loadSecretKey(home: string, env: NodeJS.ProcessEnv = process.env): SecretKey {
  const given = env.CARAVAN_SECRET_KEY;
  if (given) return { key: parseSecretKey(given, 'CARAVAN_SECRET_KEY'), source: 'CARAVAN_SECRET_KEY' };
  const file = secretKeyFile(home, env);
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  return { key: readKeyFile(file), source: file, file };
}

export function readKeyFile(file: string): Buffer {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new SecretKeyError(
      `the secret key file ${file} has mode ${mode.toString(8).padStart(4, '0')}: others may read it; run chmod 600 ${file} (and consider the key exposed)`,
    );
  return parseSecretKey(readFileSync(file, 'utf8').trim(), file);
}

export function parseSecretKey(text: string, where: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32)
    throw new SecretKeyError(
      `${where} must hold 32 bytes, base64 or hex (e.g. the output of: openssl rand -base64 32)`,
    );
  return key;
}
