/**
 * The run pages' headers: the storefront's strict Content-Security-Policy plus `connect-src 'self'`
 * (the page's script follows the run's own event streams), and its companions.
 */
import type { FastifyReply } from 'fastify';
import { CONTENT_SECURITY_POLICY, securityHeaders } from '@caravan/registry';

export const RUN_PAGES_CSP = `${CONTENT_SECURITY_POLICY}; connect-src 'self'`;

export function runPageHeaders(reply: FastifyReply): void {
  securityHeaders(reply);
  void reply.header('content-security-policy', RUN_PAGES_CSP);
}
