/** PostgreSQL migrations, applied in order under an advisory lock; never edit one that has shipped, add the next. */
import { POSTGRES_CATALOG_HEAD_MIGRATION, POSTGRES_CATALOG_MIGRATION } from './postgres-catalog-sql.js';

export const POSTGRES_MIGRATIONS: string[] = [
  `CREATE TABLE users (name TEXT PRIMARY KEY, admin BOOLEAN NOT NULL, created_at TEXT NOT NULL);
   CREATE TABLE grants ("user" TEXT NOT NULL, scope TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('owner', 'publisher', 'reader')),
     PRIMARY KEY ("user", scope));
   CREATE TABLE tokens (id TEXT PRIMARY KEY, "user" TEXT NOT NULL REFERENCES users (name), hash TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL,
     access TEXT NOT NULL CHECK (access IN ('read', 'publish')), created_at TEXT NOT NULL, revoked_at TEXT);
   CREATE TABLE versions (name TEXT NOT NULL, version TEXT NOT NULL, integrity TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
     spec TEXT NOT NULL, readme TEXT, description TEXT NOT NULL, category TEXT, scope TEXT NOT NULL, published_at TEXT NOT NULL,
     publisher TEXT NOT NULL, token_id TEXT NOT NULL, deprecated TEXT, yanked BOOLEAN NOT NULL DEFAULT false, deleted_at TEXT,
     PRIMARY KEY (name, version));
   CREATE INDEX versions_integrity ON versions (integrity);
   CREATE INDEX versions_scope ON versions (scope);
   CREATE TABLE dist_tags (name TEXT NOT NULL, tag TEXT NOT NULL, version TEXT NOT NULL, explicit BOOLEAN NOT NULL DEFAULT false,
     PRIMARY KEY (name, tag));
   CREATE TABLE audit (id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, "user" TEXT NOT NULL, token_id TEXT NOT NULL,
     action TEXT NOT NULL, target TEXT NOT NULL, scope TEXT NOT NULL, detail TEXT NOT NULL);
   CREATE INDEX audit_scope ON audit (scope, id);`,
  POSTGRES_CATALOG_MIGRATION,
  POSTGRES_CATALOG_HEAD_MIGRATION,
];
