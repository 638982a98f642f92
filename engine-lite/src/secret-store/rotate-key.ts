/**
 * `caravan secrets rotate-key` on a data dir: every stored secret is sealed again under a new key in
 * one transaction. The new key is random when the key lives in a file (the file is replaced), or
 * `CARAVAN_NEW_SECRET_KEY` when it comes from `CARAVAN_SECRET_KEY` (then set that to the new key).
 * Runs in flight keep their secrets sealed under the old key, so the rotation waits for them.
 * `rotateServingKey` is the same inside a running server.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { serverStorePath } from '../server/serve.js';
import { ServerStore } from '../server/server-store.js';
import type { SecretBox } from '../server/secret-box.js';
import { parseSecretKey, SecretKeyError } from './secret-key.js';
import { SecretStore } from './secret-store.js';

export interface RotationResult {
  resealed: number;
  /** Where the new key is: the key file, or the env the caller must now set. */
  keySource: string;
  fromEnv: boolean;
}

/**
 * The same rotation inside a running `caravan server` (POST /v1/secrets/rotate-key): a new random
 * key file, resealed in one transaction, and what the server seals from then on uses the new key.
 * Refused while runs hold secrets sealed under the old one, and when the key comes from
 * CARAVAN_SECRET_KEY (a running process cannot change its environment: rotate offline).
 * Synchronous, so no request is served between the check and the switch.
 */
export function rotateServingKey(
  stored: SecretStore,
  server: Pick<ServerStore, 'hasSealedSecrets'>,
  box: Pick<SecretBox, 'rekey'>,
): RotationResult {
  if (!stored.keyFile)
    throw new SecretKeyError(
      'the key comes from CARAVAN_SECRET_KEY, which a running server cannot change: stop the server, run caravan secrets rotate-key --data DIR with CARAVAN_NEW_SECRET_KEY set, then start it with CARAVAN_SECRET_KEY set to the new key',
    );
  if (server.hasSealedSecrets())
    throw new SecretKeyError(
      'runs in progress hold secrets sealed under the current key: let them end (or cancel them), then rotate',
    );
  const next = randomBytes(32);
  const resealed = stored.rotate(next);
  box.rekey(next);
  return { resealed, keySource: stored.keySource, fromEnv: false };
}

export function rotateSecretKey(home: string, env: NodeJS.ProcessEnv = process.env): RotationResult {
  const fromEnv = !!env.CARAVAN_SECRET_KEY;
  let next: Buffer;
  if (fromEnv) {
    if (!env.CARAVAN_NEW_SECRET_KEY)
      throw new SecretKeyError(
        'the key comes from CARAVAN_SECRET_KEY: give the new key in CARAVAN_NEW_SECRET_KEY (e.g. openssl rand -base64 32), then set CARAVAN_SECRET_KEY to it',
      );
    next = parseSecretKey(env.CARAVAN_NEW_SECRET_KEY, 'CARAVAN_NEW_SECRET_KEY');
  } else next = randomBytes(32);
  if (existsSync(serverStorePath(home))) {
    const server = new ServerStore(serverStorePath(home));
    try {
      if (server.hasSealedSecrets())
        throw new SecretKeyError(
          `runs in ${home} still hold secrets sealed under the current key: let them end (or cancel them) and stop caravan server, then rotate`,
        );
    } finally {
      server.close();
    }
  }
  const store = new SecretStore(home, env);
  try {
    return { resealed: store.rotate(next), keySource: store.keySource, fromEnv };
  } finally {
    store.close();
  }
}
