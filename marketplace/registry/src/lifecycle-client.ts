/** The small HTTP calls behind `caravan action deprecate|yank|unyank|delete|tag`. */
import { request } from 'undici';

export interface RegistryEndpoint {
  url: string;
  token?: string;
}

/** `acme/lint@1.2.0` → name and version; says how to fix anything else. */
export function parseVersionRef(ref: string): { name: string; version: string } {
  const at = ref.lastIndexOf('@');
  if (at <= 0 || at === ref.length - 1) throw new Error(`"${ref}" is not NAME@VERSION: write it like acme/lint@1.2.0`);
  return { name: ref.slice(0, at), version: ref.slice(at + 1) };
}

/** Sends one request; on a 4xx/5xx throws an Error with the registry's message and hint. */
export async function callRegistry(
  ep: RegistryEndpoint,
  method: 'POST' | 'PUT' | 'DELETE' | 'GET',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (ep.token) headers['authorization'] = `Bearer ${ep.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await request(new URL(path, ep.url.endsWith('/') ? ep.url : `${ep.url}/`), {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new Error(
      `cannot reach the registry at ${ep.url}: ${(err as Error).message}; check CARAVAN_REGISTRY and that the server runs`,
    );
  }
  const text = await res.body.text();
  if (res.statusCode >= 400) {
    let message = `HTTP ${res.statusCode}`;
    try {
      const e = (JSON.parse(text) as { error?: { message?: string; hint?: string } }).error;
      if (e?.message) message = `${e.message}${e.hint ? ` (${e.hint})` : ''}`;
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(`registry refused ${method} ${path}: ${message}`);
  }
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}
