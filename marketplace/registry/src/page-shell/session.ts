/**
 * The page session: the token a reader logged in with, kept in a cookie the page's scripts cannot
 * read (HttpOnly), that no other site's request carries (SameSite=Strict), sent only over https
 * when the page came over https (Secure). POSTs are refused unless the browser says they come
 * from this origin (Sec-Fetch-Site, else Origin): a second guard against CSRF.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Tokens are short; anything longer in the cookie is not one. */
const MAX_TOKEN = 512;

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value === '' || value.length > MAX_TOKEN ? undefined : value;
  }
  return undefined;
}

function isHttps(req: FastifyRequest): boolean {
  return req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https';
}

function attributes(req: FastifyRequest): string {
  return `Path=/; HttpOnly; SameSite=Strict${isHttps(req) ? '; Secure' : ''}`;
}

/** A page session under its own cookie name (a registry and an engine on one host keep apart: cookies ignore ports). */
export interface PageSession {
  /** The cookie holds the token as sent in a Bearer header; it is checked before it is set. */
  set(req: FastifyRequest, reply: FastifyReply, token: string): void;
  clear(req: FastifyRequest, reply: FastifyReply): void;
  token(req: FastifyRequest): string | undefined;
}

export function pageSession(cookie: string): PageSession {
  return {
    set: (req, reply, token) =>
      void reply.header('set-cookie', `${cookie}=${encodeURIComponent(token)}; ${attributes(req)}`),
    clear: (req, reply) => void reply.header('set-cookie', `${cookie}=; Max-Age=0; ${attributes(req)}`),
    token: (req) => {
      const raw = readCookie(req, cookie);
      if (raw === undefined) return undefined;
      try {
        return decodeURIComponent(raw);
      } catch {
        return undefined;
      }
    },
  };
}

function ownOrigin(req: FastifyRequest): string {
  return `${isHttps(req) ? 'https' : 'http'}://${req.headers.host ?? ''}`;
}

/** Whether a POST comes from one of this server's own pages, as the browser says. */
export function comesFromOwnPage(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  // Sec-Fetch-Site is set by the browser and no page can forge it; it also holds behind a proxy that rewrites Host.
  return site !== undefined ? site === 'same-origin' : origin !== undefined && origin === ownOrigin(req);
}

/** A `next` location after login: only a path of this site. */
export function localPath(next: string | undefined): string {
  if (next === undefined || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  return next.length > 2000 ? '/' : next;
}
