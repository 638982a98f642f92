/** The storefront's page session: the registry token, under the cookie `caravan_session`. */
import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../errors.js';
import { comesFromOwnPage, pageSession } from '../page-shell/session.js';

export const SESSION_COOKIE = 'caravan_session';

const storefront = pageSession(SESSION_COOKIE);
export const setSession = storefront.set;
export const clearSession = storefront.clear;
export const sessionToken = storefront.token;

/** Throws 403 unless the POST comes from one of this registry's own pages. */
export function requireSameOrigin(req: FastifyRequest): void {
  if (!comesFromOwnPage(req))
    throw new RegistryError(
      403,
      'cross-site-request',
      'this form was not sent from a page of this registry',
      'open the registry page yourself and submit the form there',
    );
}
