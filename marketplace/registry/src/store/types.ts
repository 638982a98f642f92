/**
 * The one storage interface of the registry (small, after Verdaccio's storage plugins). Two
 * implementations: SQLite (embedded default) and PostgreSQL (shared deployments). Every write that
 * changes versions or dist-tags runs in one transaction that also recomputes `latest` and appends
 * the audit row; blobs live outside the store (see blobs.ts).
 */
import type { CatalogStore } from './catalog-types.js';

export type * from './catalog-types.js';

export type Role = 'owner' | 'publisher' | 'reader';
export type Access = 'read' | 'publish';

export interface UserRecord {
  name: string;
  admin: boolean;
  createdAt: string;
}

export interface GrantRecord {
  /** A user name, or `*` for everyone (only `reader`: makes a scope public). */
  user: string;
  /** `acme`, `acme/payments` or `~alice`. */
  scope: string;
  role: Role;
}

export interface TokenRecord {
  id: string;
  user: string;
  /** sha256 hex of the token; the token itself is never stored. */
  hash: string;
  /** Scope prefixes the token may touch, or `['*']`. */
  scopes: string[];
  access: Access;
  createdAt: string;
  revokedAt?: string;
}

export interface VersionRecord {
  name: string;
  version: string;
  /** `sha512-<base64>` of the tarball. */
  integrity: string;
  /** sha256 hex of the tarball: the blob's address. */
  sha256: string;
  size: number;
  /** action.yml as JSON text. */
  spec: string;
  readme?: string;
  description: string;
  category?: string;
  scope: string;
  publishedAt: string;
  publisher: string;
  tokenId: string;
  deprecated?: string;
  yanked: boolean;
  /** Set on delete: the row stays as a tombstone so the version can never be reused. */
  deletedAt?: string;
}

/** A version without its manifest and README: what listings and resolution need. */
export type VersionInfo = Omit<VersionRecord, 'spec' | 'readme'>;

export interface AuditEntry {
  at: string;
  user: string;
  tokenId: string;
  /** e.g. `publish`, `yank`, `delete`, `dist-tag`, `grant`, `token-create`. */
  action: string;
  /** e.g. `acme/lint@1.2.0`. */
  target: string;
  /** The scope the write touched, for `GET /v1/audit?scope=`. */
  scope: string;
  detail: string;
}

export type PublishOutcome = 'created' | 'exists' | 'tombstone';

export interface VersionChange {
  deprecated?: string | null;
  yanked?: boolean;
  delete?: boolean;
}

export interface RegistryStore extends CatalogStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema; idempotent and safe when several processes start at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  addUser(user: UserRecord, audit: AuditEntry): Promise<boolean>;
  getUser(name: string): Promise<UserRecord | undefined>;
  /** Sets (or with role `null` removes) a grant. */
  setGrant(user: string, scope: string, role: Role | null, audit: AuditEntry): Promise<void>;
  grantsFor(user: string): Promise<GrantRecord[]>;

  addToken(token: TokenRecord, audit: AuditEntry): Promise<void>;
  tokenByHash(hash: string): Promise<TokenRecord | undefined>;
  getToken(id: string): Promise<TokenRecord | undefined>;
  revokeToken(id: string, at: string, audit: AuditEntry): Promise<boolean>;

  /** Inserts the version, recomputes `latest` and the catalog row, and appends the audit row in one transaction. */
  publish(version: VersionRecord, audit: AuditEntry): Promise<PublishOutcome>;
  /** Every version of a name without manifest and README, tombstones included (check `deletedAt`). */
  listVersions(name: string): Promise<VersionInfo[]>;
  getVersion(name: string, version: string): Promise<VersionRecord | undefined>;
  /**
   * Applies the change, recomputes `latest` and appends the audit row in one transaction. False if no such live
   * version.
   */
  changeVersion(name: string, version: string, change: VersionChange, audit: AuditEntry): Promise<boolean>;
  distTags(name: string): Promise<Record<string, string>>;
  /** Sets a dist-tag; `latest` set this way stays until the owner sets it again or the version goes away. */
  setDistTag(name: string, tag: string, version: string, audit: AuditEntry): Promise<boolean>;

  audit(scope: string, limit: number): Promise<AuditEntry[]>;
  /**
   * A value that changes whenever anyone (this process or another) may have committed a write;
   * read caches key their entries by it, read before loading. Read fresh on every call, after
   * the call: a cache keyed by it never serves data older than the caller's request. SQLite:
   * `PRAGMA data_version` plus this connection's own writes; PostgreSQL: the current snapshot.
   */
  changeEpoch(): Promise<string>;
  /** Whether any live blob reference still uses this sha256 (for tests and clean-up). */
  blobInUse(sha256: string): Promise<boolean>;
}
