/**
 * The run pages' session: the server token a person logged in with, in a cookie the page's
 * scripts cannot read (HttpOnly) and no other site's request carries (SameSite=Strict); Secure
 * when the page came over https. Its own cookie name: a registry on the same host (cookies ignore
 * ports) keeps its own session. Form POSTs are refused unless the browser says they come from
 * this origin (Sec-Fetch-Site, else Origin).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readCookie } from '@caravan/registry';
import { ApiError } from '../api-error.js';

export const SESSION_COOKIE = 'caravan_engine_session';

function isHttps(req: FastifyRequest): boolean {
  return req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https';
}

function attributes(req: FastifyRequest): string {
  return `Path=/; HttpOnly; SameSite=Strict${isHttps(req) ? '; Secure' : ''}`;
}

export function setSession(req: FastifyRequest, reply: FastifyReply, token: string): void {
  void reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(token)}; ${attributes(req)}`);
}

export function clearSession(req: FastifyRequest, reply: FastifyReply): void {
  void reply.header('set-cookie', `${SESSION_COOKIE}=; Max-Age=0; ${attributes(req)}`);
}

export function sessionToken(req: FastifyRequest): string | undefined {
  const raw = readCookie(req, SESSION_COOKIE);
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Throws 403 unless the POST comes from one of this server's own pages. */
export function requireSameOrigin(req: FastifyRequest): void {
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  const own = `${isHttps(req) ? 'https' : 'http'}://${req.headers.host ?? ''}`;
  const fromHere = site !== undefined ? site === 'same-origin' : origin !== undefined && origin === own;
  if (!fromHere)
    throw new ApiError(
      403,
      'cross-site-request',
      'this form was not sent from a page of this server',
      'open the run page yourself and use its buttons',
    );
}
