/**
 * The run pages' session: the server token a person logged in with, in the storefront's kind of
 * cookie (HttpOnly, SameSite=Strict, Secure over https) under its own name, so a registry on the
 * same host (cookies ignore ports) keeps its own session. Form POSTs are refused unless the
 * browser says they come from this origin (Sec-Fetch-Site, else Origin).
 */
import type { FastifyRequest } from 'fastify';
import { comesFromOwnPage, pageSession } from '@caravan/registry';
import { ApiError } from '../api-error.js';

export const SESSION_COOKIE = 'caravan_engine_session';

const session = pageSession(SESSION_COOKIE);
export const setSession = session.set;
export const clearSession = session.clear;
export const sessionToken = session.token;

/** Throws 403 unless the POST comes from one of this server's own pages. */
export function requireSameOrigin(req: FastifyRequest): void {
  if (!comesFromOwnPage(req))
    throw new ApiError(
      403,
      'cross-site-request',
      'this form was not sent from a page of this server',
      'open the run page yourself and use its buttons',
    );
}
