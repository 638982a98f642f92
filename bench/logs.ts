/** Generated logs for the log-path benches: a build log with secrets in it now and then, and a base64-dense one. */
import { randomBytes } from 'node:crypto';

/** Secret-shaped values, as in the masking bench: API keys, passwords, hex and base64 credentials. */
export function makeSecrets(count: number): string[] {
  const shapes = [
    () => `ghp_${randomBytes(27).toString('base64url').slice(0, 36)}`,
    () => `AKIA${randomBytes(12).toString('hex').toUpperCase().slice(0, 16)}`,
    () => randomBytes(24).toString('base64'),
    () => `P@ss-${randomBytes(8).toString('hex')}!`,
    () => randomBytes(16).toString('hex'),
  ];
  return Array.from({ length: count }, (_, i) => shapes[i % shapes.length]!());
}

/** A build log: timestamped lines of words, hashes and now and then a secret or its base64. */
export function proseLog(secrets: string[], bytes: number): Buffer {
  const words =
    'compiling module src/index.ts warning: npm install done in ms GET /api/v1/items 200 cache hit layer'.split(' ');
  const hex = randomBytes(4096).toString('hex');
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    let line = `2026-11-26T14:${String(i % 60).padStart(2, '0')}:00.${i % 1000}Z [build] `;
    for (let w = 0; w < 8 + (i % 9); w++) line += `${words[(i * 7 + w * 3) % words.length]} `;
    if (i % 7 === 0) line += hex.slice((i * 13) % 8000, ((i * 13) % 8000) + 48);
    if (i % 5000 === 0) line += Buffer.from(`token:${secrets[(i / 5000) % secrets.length]}`).toString('base64');
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** Base64 blobs (certificates, encoded artefacts) in lines of 76 to 304 characters. */
export function base64Log(bytes: number): Buffer {
  const pool = randomBytes(1 << 20).toString('base64');
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const length = 76 * (1 + (i % 4));
    const from = (i * 7919) % (pool.length - length);
    lines.push(pool.slice(from, from + length));
    size += length + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}
