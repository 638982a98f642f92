/**
 * Stored secrets, in `<home>/secrets.db` (SQLite): one row per secret, server-level (no pipeline)
 * or pipeline-level, each value sealed (sealing.ts) under the key of secret-key.ts. A check value
 * sealed under the same key tells a wrong key at open from a right one, by the GCM tag. Values
 * leave this class only through `valuesFor`, which the engine's secret path takes over.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretsError } from '../secrets.js';
import { openValue, sealValue } from './sealing.js';
import { loadSecretKey, readKeyFile, SecretKeyError, type SecretKey } from './secret-key.js';

export interface StoredSecretInfo {
  name: string;
  /** Absent for a server-level secret. */
  pipeline?: string;
  createdAt: number;
  updatedAt: number;
}

const MIGRATIONS = [
  `CREATE TABLE stored_secrets (pipeline TEXT NOT NULL, name TEXT NOT NULL, sealed TEXT NOT NULL,
     created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (pipeline, name));
   CREATE TABLE key_check (id INTEGER PRIMARY KEY CHECK (id = 1), sealed TEXT NOT NULL)`,
];

const CHECK_TEXT = 'caravan stored secrets key check';
const CHECK_AAD = 'key-check';
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const aad = (pipeline: string, name: string) => `${pipeline}\u0000${name}`;

export function secretStorePath(home: string): string {
  return join(home, 'secrets.db');
}

export class SecretStore {
  private readonly db: Database.Database;
  private key: SecretKey;

  /** Throws SecretKeyError naming the key source when the key is not the one the secrets were sealed with. */
  constructor(
    readonly home: string,
    env: NodeJS.ProcessEnv = process.env,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(home, { recursive: true });
    this.key = loadSecretKey(home, env);
    this.db = new Database(secretStorePath(home));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    try {
      this.migrate();
      this.checkKey();
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  private migrate(): void {
    this.db
      .transaction(() => {
        this.db.exec(
          'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
        );
        const ids = this.db.prepare('SELECT id FROM schema_migrations').pluck().all() as number[];
        if (Math.max(0, ...ids) > MIGRATIONS.length)
          throw new Error(`${secretStorePath(this.home)} was written by a newer Caravan; upgrade caravan`);
        MIGRATIONS.forEach((sql, i) => {
          if (ids.includes(i + 1)) return;
          this.db.exec(sql);
          this.db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(i + 1, this.now());
        });
      })
      .immediate();
  }

  private checkKey(): void {
    const sealed = this.db.prepare('SELECT sealed FROM key_check WHERE id = 1').pluck().get() as string | undefined;
    if (sealed === undefined) {
      this.db
        .prepare('INSERT INTO key_check (id, sealed) VALUES (1, ?)')
        .run(sealValue(this.key.key, CHECK_TEXT, CHECK_AAD));
      return;
    }
    if (openValue(this.key.key, sealed, CHECK_AAD) === CHECK_TEXT) return;
    const pending = this.key.file && `${this.key.file}.new`;
    if (pending && existsSync(pending)) {
      // A rotation committed its transaction but stopped before the new key file took the old one's place.
      const next = readKeyFile(pending);
      if (openValue(next, sealed, CHECK_AAD) === CHECK_TEXT) {
        renameSync(pending, this.key.file!);
        this.key = { ...this.key, key: next };
        return;
      }
    }
    throw new SecretKeyError(
      `the secret key from ${this.key.source} does not open the stored secrets in ${secretStorePath(this.home)}: they were sealed under another key; set CARAVAN_SECRET_KEY (or restore the key file) to the key they were stored with`,
    );
  }

  set(name: string, value: string, pipeline?: string): void {
    checkName(name);
    const level = pipeline ?? '';
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO stored_secrets (pipeline, name, sealed, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (pipeline, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
      )
      .run(level, name, sealValue(this.key.key, value, aad(level, name)), now, now);
  }

  /** False when there was no such secret. */
  remove(name: string, pipeline?: string): boolean {
    return (
      this.db.prepare('DELETE FROM stored_secrets WHERE pipeline = ? AND name = ?').run(pipeline ?? '', name).changes >
      0
    );
  }

  list(pipeline?: string): StoredSecretInfo[] {
    const rows = (
      pipeline === undefined
        ? this.db
            .prepare('SELECT pipeline, name, created_at, updated_at FROM stored_secrets ORDER BY pipeline, name')
            .all()
        : this.db
            .prepare(
              'SELECT pipeline, name, created_at, updated_at FROM stored_secrets WHERE pipeline = ? ORDER BY name',
            )
            .all(pipeline)
    ) as { pipeline: string; name: string; created_at: number; updated_at: number }[];
    return rows.map((r) => ({
      name: r.name,
      ...(r.pipeline ? { pipeline: r.pipeline } : {}),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }));
  }

  /** The values of these names for a pipeline: its own secret first, else the server-level one. */
  valuesFor(pipeline: string, names: Iterable<string>): Record<string, string> {
    const get = this.db.prepare("SELECT pipeline, sealed FROM stored_secrets WHERE name = ? AND pipeline IN (?, '')");
    const out: Record<string, string> = {};
    for (const name of names) {
      const rows = get.all(name, pipeline) as { pipeline: string; sealed: string }[];
      const row = rows.find((r) => r.pipeline === pipeline && pipeline !== '') ?? rows.find((r) => r.pipeline === '');
      if (!row) continue;
      const value = openValue(this.key.key, row.sealed, aad(row.pipeline, name));
      if (value === undefined)
        throw new SecretKeyError(
          `stored secret ${name}${row.pipeline ? ` of pipeline ${row.pipeline}` : ''} does not open under the key from ${this.key.source}; set it again with caravan secrets set ${name}`,
        );
      out[name] = value;
    }
    return out;
  }

  /**
   * Seals every secret under `next` in one transaction. A key from a file is replaced by way of
   * `<file>.new`, written before the transaction and renamed after it (an interrupted rotation is
   * finished at the next open). A key from CARAVAN_SECRET_KEY is the caller's to replace.
   */
  rotate(next: Buffer): number {
    const pending = this.key.file && `${this.key.file}.new`;
    if (pending) writeFileSync(pending, next.toString('base64'), { mode: 0o600 });
    const rows = this.db.prepare('SELECT pipeline, name, sealed FROM stored_secrets').all() as {
      pipeline: string;
      name: string;
      sealed: string;
    }[];
    const update = this.db.prepare('UPDATE stored_secrets SET sealed = ? WHERE pipeline = ? AND name = ?');
    const reseal = this.db.transaction(() => {
      for (const r of rows) {
        const value = openValue(this.key.key, r.sealed, aad(r.pipeline, r.name));
        if (value === undefined)
          throw new SecretKeyError(`stored secret ${r.name} does not open under the key from ${this.key.source}`);
        update.run(sealValue(next, value, aad(r.pipeline, r.name)), r.pipeline, r.name);
      }
      this.db.prepare('UPDATE key_check SET sealed = ? WHERE id = 1').run(sealValue(next, CHECK_TEXT, CHECK_AAD));
    });
    try {
      reseal.immediate();
    } catch (err) {
      if (pending) rmSync(pending, { force: true });
      throw err;
    }
    if (pending) renameSync(pending, this.key.file!);
    this.key = { ...this.key, key: next };
    return rows.length;
  }

  /** The key file, or undefined when the key comes from CARAVAN_SECRET_KEY. */
  get keyFile(): string | undefined {
    return this.key.file;
  }

  get keySource(): string {
    return this.key.source;
  }

  close(): void {
    this.db.close();
  }
}

export function checkName(name: string): void {
  if (!SECRET_NAME.test(name))
    throw new SecretsError(`secret name "${name}" is invalid: use letters, digits and _ (not starting with a digit)`);
}
