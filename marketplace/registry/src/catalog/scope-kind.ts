import type { ScopeKind } from './types.js';

/** `~alice` personal, `acme/payments` project, `acme` (and the built-in `caravan`) enterprise. */
export function scopeKind(scope: string): ScopeKind {
  if (scope.startsWith('~')) return 'personal';
  return scope.includes('/') ? 'project' : 'enterprise';
}
