/**
 * A run's secrets at rest: AES-256-GCM (node:crypto) with the key from `CARAVAN_SECRET_KEY`
 * (32 bytes, base64 or hex) or, failing that, the key file (secret-key.ts: made on first use, mode 0600).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { loadSecretKey } from '../secret-store/secret-key.js';

export class SecretBox {
  private constructor(private key: Buffer) {}

  /** After a key rotation: what is sealed from now on is sealed under `next`. */
  rekey(next: Buffer): void {
    this.key = next;
  }

  static fromEnv(dataDir: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
    return new SecretBox(loadSecretKey(dataDir, env).key);
  }

  /** Any JSON value: a run's secrets by scope. */
  seal(secrets: unknown): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64')).join('.');
  }

  open(sealed: string): unknown {
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64'));
    if (!iv || !tag || !body) throw new Error('sealed secrets are malformed');
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(tag);
    try {
      return JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')) as unknown;
    } catch {
      throw new Error(
        "a run's stored secrets cannot be decrypted: CARAVAN_SECRET_KEY (or secret.key) changed since the run was submitted",
      );
    }
  }
}
