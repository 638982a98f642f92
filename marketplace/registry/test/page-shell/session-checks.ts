/** What both sites' page tests check of the cookie session over HTTP (the storefront's and the run pages'). */
import { expect } from 'vitest';

/** Headers of POSTs that must be refused: sent from another site, or saying nothing of where they come from. */
export const CROSS_SITE_HEADERS: readonly Record<string, string>[] = [
  { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
  { 'sec-fetch-site': 'same-site' },
  { origin: 'http://evil.example' },
  {},
];

/** `next` targets off this site: a login never redirects to them. */
export const OFF_SITE_NEXT: readonly string[] = ['//evil.example/x', 'https://evil.example', '/\\evil.example'];

/** The cookie a login sets: the token, HttpOnly, SameSite=Strict, for the whole site, Secure only over https. */
export function expectSessionCookie(res: Response, cookie: string, tokenPrefix: string, https = false): void {
  const header = res.headers.get('set-cookie') ?? '';
  expect(header.startsWith(`${cookie}=${tokenPrefix}`), header).toBe(true);
  expect(header).toContain('; Path=/; HttpOnly; SameSite=Strict');
  expect(header.includes('Secure'), header).toBe(https);
}

/** The cookie a logout or an ended session sets: empty and expired at once. */
export function expectClearedCookie(res: Response, cookie: string): void {
  expect(res.headers.get('set-cookie') ?? '').toMatch(
    new RegExp(`^${cookie}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`),
  );
}
