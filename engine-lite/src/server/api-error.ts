/** The service's error contract, the registry's shape: `{"error":{"code","message","hint"}}` with a status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string,
    /** Extra machine-readable detail, e.g. the `file:line:col` problems of an invalid pipeline. */
    readonly problems?: string[],
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string; hint: string; problems?: string[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        hint: this.hint,
        ...(this.problems ? { problems: this.problems } : {}),
      },
    };
  }
}

export const notFound = (what: string, hint: string): ApiError => new ApiError(404, 'not-found', what, hint);
