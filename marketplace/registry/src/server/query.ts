/** Reading query parameters a route's contract (contract.ts) has already checked. */
import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../errors.js';

export function query(req: FastifyRequest, key: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string')
    throw new RegistryError(
      400,
      'invalid-query',
      `query parameter "${key}" must be given once`,
      `send ?${key}=… a single time`,
    );
  return v;
}

/** An integer query parameter, already checked by the route's contract. */
export function intQuery(req: FastifyRequest, key: string, fallback: number): number {
  const raw = query(req, key);
  return raw === undefined ? fallback : Number(raw);
}
