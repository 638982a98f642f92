/** Versions, principals and a fake clock for the catalog suites. */
import type { Principal } from '../../src/auth/principal.js';
import type { Clock } from '../../src/catalog/clock.js';
import type { AuditEntry, GrantRecord, VersionRecord } from '../../src/store/types.js';

export const DAY = 86_400_000;
export const T0 = Date.parse('2026-03-10T12:00:00Z');

export function fakeClock(start = T0): Clock & { advance(ms: number): void; timers: number } {
  let now = start;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimer(ms, fn) {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => {
        timers = timers.filter((x) => x !== t);
      };
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
    get timers() {
      return timers.length;
    },
  };
}

export const audit = (action = 'publish', scope = 'acme'): AuditEntry => ({
  at: new Date(T0).toISOString(),
  user: 'alice',
  tokenId: 'tok_1',
  action,
  target: 'x',
  scope,
  detail: '',
});

export function version(name: string, v: string, extra: Partial<VersionRecord> = {}): VersionRecord {
  return {
    name,
    version: v,
    integrity: `sha512-${name}-${v}`,
    sha256: 'a'.repeat(64),
    size: 10,
    spec: '{}',
    description: `about ${name}`,
    scope: name.split('/').slice(0, -1).join('/'),
    publishedAt: new Date(T0).toISOString(),
    publisher: 'alice',
    tokenId: 'tok_1',
    yanked: false,
    ...extra,
  };
}

const publicGrant = (scope: string): GrantRecord => ({ user: '*', scope, role: 'reader' });

/** Someone without a token; `publicScopes` are the scopes granted to `*`. */
export function anonymousReader(publicScopes: string[] = []): Principal {
  return {
    user: '',
    admin: false,
    tokenId: '',
    access: 'read',
    tokenScopes: ['*'],
    grants: publicScopes.map(publicGrant),
  };
}

export function reader(
  user: string,
  scopes: string[],
  opts: { publicScopes?: string[]; tokenScopes?: string[]; admin?: boolean } = {},
): Principal {
  return {
    user,
    admin: opts.admin ?? false,
    tokenId: `tok_${user}`,
    access: 'read',
    tokenScopes: opts.tokenScopes ?? ['*'],
    grants: [
      ...scopes.map((scope): GrantRecord => ({ user, scope, role: 'reader' })),
      ...(opts.publicScopes ?? []).map(publicGrant),
    ],
  };
}
