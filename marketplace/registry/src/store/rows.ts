/** Rows as both stores read them, and their mapping to the store's records. */
import type { AuditEntry, TokenRecord, VersionInfo, VersionRecord } from './types.js';

export interface VersionRow {
  name: string;
  version: string;
  integrity: string;
  sha256: string;
  size: number;
  spec: string;
  readme: string | null;
  description: string;
  category: string | null;
  scope: string;
  published_at: string;
  publisher: string;
  token_id: string;
  /** SQLite has no boolean: 0/1 there, true/false in PostgreSQL. */
  deprecated: string | null;
  yanked: number | boolean;
  deleted_at: string | null;
}
export interface TokenRow {
  id: string;
  user: string;
  hash: string;
  scopes: string;
  access: 'read' | 'publish';
  created_at: string;
  revoked_at: string | null;
}
export interface AuditRow {
  at: string;
  user: string;
  token_id: string;
  action: string;
  target: string;
  scope: string;
  detail: string;
}

export function toVersion(r: VersionRow): VersionRecord {
  const v: VersionRecord = {
    name: r.name,
    version: r.version,
    integrity: r.integrity,
    sha256: r.sha256,
    size: r.size,
    spec: r.spec,
    description: r.description,
    scope: r.scope,
    publishedAt: r.published_at,
    publisher: r.publisher,
    tokenId: r.token_id,
    yanked: r.yanked === true || r.yanked === 1,
  };
  if (r.readme !== null) v.readme = r.readme;
  if (r.category !== null) v.category = r.category;
  if (r.deprecated !== null) v.deprecated = r.deprecated;
  if (r.deleted_at !== null) v.deletedAt = r.deleted_at;
  return v;
}

export function toInfo(r: VersionRow): VersionInfo {
  const { spec: _spec, readme: _readme, ...info } = toVersion(r);
  return info;
}

export function toToken(r: TokenRow): TokenRecord {
  const t: TokenRecord = {
    id: r.id,
    user: r.user,
    hash: r.hash,
    scopes: JSON.parse(r.scopes) as string[],
    access: r.access,
    createdAt: r.created_at,
  };
  if (r.revoked_at !== null) t.revokedAt = r.revoked_at;
  return t;
}

export function toAudit(r: AuditRow): AuditEntry {
  return {
    at: r.at,
    user: r.user,
    tokenId: r.token_id,
    action: r.action,
    target: r.target,
    scope: r.scope,
    detail: r.detail,
  };
}
