import { RegistryError } from '../errors.js';

export { RegistryError };

/** An error the registry answered over HTTP, or an answer it could not have given: status, code, message, hint. */
export class RegistryHttpError extends RegistryError {}

/** The registry could not be reached at all (refused, unknown host, network down, connect timeout). */
export class RegistryUnreachableError extends Error {
  readonly code = 'registry-unreachable';
  constructor(
    readonly url: string,
    detail: string,
    cause?: unknown,
  ) {
    super(
      `cannot reach the registry at ${url} (${detail}); check that it is running and that CARAVAN_REGISTRY (or --registry, or \`caravan login --registry URL\`) points at it`,
      { cause },
    );
    this.name = 'RegistryUnreachableError';
  }
}

/** The registry accepted the connection but did not answer in time. */
export class RegistryTimeoutError extends Error {
  readonly code = 'registry-timeout';
  constructor(
    readonly url: string,
    what: string,
    timeoutMs: number,
  ) {
    super(
      `the registry at ${url} did not answer ${what} within ${timeoutMs / 1000} s; try again, or raise CARAVAN_REGISTRY_TIMEOUT (seconds) if the registry is slow`,
    );
    this.name = 'RegistryTimeoutError';
  }
}

/** Downloaded or stored bytes are not the ones the registry vouched for. */
export class IntegrityError extends Error {
  readonly code = 'integrity-mismatch';
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super(
      `integrity mismatch for ${what}: expected ${expected}, got ${actual}; the bytes were altered in transit or in storage — nothing was installed; report it to the registry's operators`,
    );
    this.name = 'IntegrityError';
  }
}

/** A name or reference rejected before anything is sent: says what is wrong and what is allowed. */
export class InvalidActionNameError extends Error {
  readonly code = 'invalid-name';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}; ${hint}` : message);
    this.name = 'InvalidActionNameError';
  }
}

/** A client setting from the environment that cannot be used: says which, and what it takes. */
export class InvalidSettingError extends Error {
  readonly code = 'invalid-setting';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSettingError';
  }
}

/** Runs a local check that reports with the server's `RegistryError`, minus the misleading HTTP status. */
export function checkedLocally<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof RegistryError) throw new InvalidActionNameError(err.message, err.hint);
    throw err;
  }
}
