/** An error the registry answers with: `{"error":{"code","message","hint"}}` and a 4xx status. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  toJSON(): { error: { code: string; message: string; hint?: string } } {
    return {
      error: this.hint
        ? { code: this.code, message: this.message, hint: this.hint }
        : { code: this.code, message: this.message },
    };
  }
}
