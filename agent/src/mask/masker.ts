/**
 * The task's masker: the secrets known so far, compiled into one matcher shared by every
 * stream and string it masks.
 */
import { Matcher } from './matcher.js';
import { MaskStream, type MaskStreamOwner } from './mask-stream.js';
import type { ByteMaskStream, Masker } from './types.js';
import { secretPatterns, type Pattern } from './variants.js';

export interface MaskerOptions {
  /**
   * Longest secret taken whole (UTF-8 bytes; default 64 KiB). A longer secret is masked line by
   * line; one whose single line is still longer is refused with an error.
   */
  maxSecretBytes?: number;
}

export const DEFAULT_MAX_SECRET_BYTES = 64 * 1024;

export class SecretMasker implements Masker, MaskStreamOwner {
  matcher: Matcher;
  private count = 0;
  private secretsSeen = 0;
  private readonly secrets = new Set<string>();
  private readonly patterns = new Map<string, Pattern>();
  private readonly maxSecretBytes: number;

  constructor(secrets: readonly string[], options: MaskerOptions = {}) {
    this.maxSecretBytes = options.maxSecretBytes ?? DEFAULT_MAX_SECRET_BYTES;
    for (const secret of secrets) this.register(secret);
    this.matcher = new Matcher([...this.patterns.values()]);
  }

  get replacements(): number {
    return this.count;
  }

  countReplacement(): void {
    this.count++;
  }

  add(secret: string): void {
    if (this.register(secret)) this.matcher = new Matcher([...this.patterns.values()]);
  }

  maskString(text: string): string {
    if (this.matcher.empty || text === '') return text;
    const before = this.count;
    const stream = new MaskStream(this);
    const bytes = Buffer.from(text, 'utf8');
    const head = text.includes('\u001b') ? stream.pushLine(bytes) : stream.push(bytes);
    const masked = Buffer.concat([head, stream.end()]);
    // Unchanged text is returned as given: the UTF-8 round trip would replace lone surrogates.
    return this.count === before ? text : masked.toString('utf8');
  }

  stream(): ByteMaskStream {
    return new MaskStream(this);
  }

  /** Adds the secret's patterns; false when it brings nothing new. */
  private register(secret: unknown): boolean {
    const values = secretValuesChecked(secret, ++this.secretsSeen, this.maxSecretBytes);
    if (this.secrets.has(secret as string)) return false;
    this.secrets.add(secret as string);
    let added = false;
    for (const value of values) {
      for (const pattern of secretPatterns(value)) {
        const key = pattern.bytes.toString('latin1');
        const known = this.patterns.get(key);
        if (!known) {
          this.patterns.set(key, pattern);
          added = true;
        } else if (known.wholeWord && !pattern.wholeWord) {
          known.wholeWord = false;
          added = true;
        }
      }
    }
    return added;
  }
}

/**
 * The values a secret is masked as (itself, or its lines when it is longer than `maxSecretBytes`);
 * throws for a secret that is not a string or has a line over that limit (`number` counts from 1).
 */
export function secretValuesChecked(secret: unknown, number: number, maxSecretBytes: number): string[] {
  if (typeof secret !== 'string') {
    throw new TypeError(`masker: secret #${number} is a ${typeof secret}, expected a string`);
  }
  if (Buffer.byteLength(secret) <= maxSecretBytes) return [secret];
  const lines = secret.split(/\r\n|\n|\r/);
  const longest = lines.reduce((most, line) => Math.max(most, Buffer.byteLength(line)), 0);
  if (longest > maxSecretBytes) {
    throw new RangeError(
      `masker: secret #${number} has a line of ${longest} bytes, over the limit of ` +
        `${maxSecretBytes} bytes; shorten it or raise maxSecretBytes`,
    );
  }
  return lines;
}
