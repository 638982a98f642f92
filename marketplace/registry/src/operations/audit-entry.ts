import type { Principal } from '../auth/principal.js';
import type { AuditEntry } from '../store/types.js';

/** The audit record of `action` on `target`, done now by `p`. */
export function auditEntry(p: Principal, action: string, target: string, scope: string, detail = ''): AuditEntry {
  return { at: new Date().toISOString(), user: p.user, tokenId: p.tokenId, action, target, scope, detail };
}
