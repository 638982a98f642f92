/** The SQLite store's migrations (migrations.ts), applied at open in one immediate transaction (others wait). */
import type Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS, tooNewError } from './migrations.js';
import { StoreError } from './types.js';

export function migrateSqlite(db: Database.Database, path: string): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const ids = db.prepare('SELECT id FROM schema_migrations').pluck().all() as number[];
    const newest = Math.max(0, ...ids);
    if (newest > SQLITE_MIGRATIONS.length) throw new StoreError(tooNewError(path, newest, SQLITE_MIGRATIONS.length));
    const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
    SQLITE_MIGRATIONS.forEach((sql, i) => {
      if (ids.includes(i + 1)) return;
      db.exec(sql);
      record.run(i + 1, Date.now());
    });
  }).immediate();
}
