import { randomBytes } from 'node:crypto';

/** A run id that sorts by creation time and is short enough to type: `<time base36>-<6 random>`. */
export function newRunId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex').slice(0, 6)}`;
}
