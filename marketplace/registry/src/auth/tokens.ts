/** Registry tokens: random, shown once, stored only as a sha256 hash. */
import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'cvn_';

export function newToken(): { id: string; token: string; hash: string } {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  return { id: `tok_${randomBytes(9).toString('base64url')}`, token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token from an `Authorization: Bearer …` header, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
