/** The registry's JSON answers, refused with a clear 502 when they are not what the API promises. */
import { RegistryHttpError } from './client-errors.js';
import type { HttpRequest, HttpTransport } from './http-transport.js';

function parseBody<T>(body: Buffer, what: string, required: string[], base: string): T {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    value = undefined;
  }
  const missing = value && typeof value === 'object' ? required.filter((k) => !(k in value)) : required;
  if (!value || typeof value !== 'object' || missing.length > 0) {
    throw new RegistryHttpError(
      502,
      'bad-response',
      `the registry at ${base} answered ${what} with an unexpected body (missing: ${missing.join(', ') || 'a JSON object'})`,
      'check that CARAVAN_REGISTRY points at a Caravan registry of a compatible version',
    );
  }
  return value as T;
}

/** Sends `req` and reads its answer as a JSON object holding at least the `required` keys. */
export async function sendForJson<T>(http: HttpTransport, req: HttpRequest, required: string[]): Promise<T> {
  const res = await http.send(req);
  return parseBody<T>(res.body, `${req.method} ${req.path}`, required, http.displayUrl);
}
