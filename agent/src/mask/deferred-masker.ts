/**
 * A masker whose patterns are compiled on first use. The agent first uses it once the action is
 * spawned, so the build (about 100 ms of CPU for 1,000 secrets and their encoded forms) runs while
 * the action's process starts instead of before it. The secrets are checked at once: a bad one
 * still stops the step before the action starts.
 */
import { DEFAULT_MAX_SECRET_BYTES, SecretMasker, secretValuesChecked, type MaskerOptions } from './masker.js';
import type { ByteMaskStream, Masker } from './types.js';

export class DeferredMasker implements Masker {
  private built: SecretMasker | undefined;

  constructor(
    private readonly secrets: readonly string[],
    private readonly options: MaskerOptions = {},
  ) {
    const max = options.maxSecretBytes ?? DEFAULT_MAX_SECRET_BYTES;
    secrets.forEach((secret, i) => secretValuesChecked(secret, i + 1, max));
  }

  /** Whether the patterns have been compiled yet. */
  get isBuilt(): boolean {
    return this.built !== undefined;
  }

  get replacements(): number {
    return this.built?.replacements ?? 0;
  }

  add(secret: string): void {
    this.masker().add(secret);
  }

  maskString(text: string): string {
    return this.masker().maskString(text);
  }

  stream(): ByteMaskStream {
    return this.masker().stream();
  }

  private masker(): SecretMasker {
    this.built ??= new SecretMasker(this.secrets, this.options);
    return this.built;
  }
}
