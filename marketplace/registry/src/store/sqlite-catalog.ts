/**
 * The catalog over SQLite: FTS5 (bm25, a name match first) and the reader's scopes inside the
 * query, so totals and pages count only what the reader may read.
 */
import type Database from 'better-sqlite3';
import type { CatalogResult, CatalogStoreQuery, ReadableScopes, ResolutionCount } from './catalog-types.js';
import { toCatalogRow, type CatalogSqlRow as Row } from './catalog-row.js';
import { sqliteCatalogInsert } from './sqlite-catalog-sql.js';

type Arg = string | number;

/** Each word as a quoted FTS5 prefix term: no query syntax can come from the words. */
function ftsQuery(words: string[]): string {
  return words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
}

export class SqliteCatalog {
  private readonly statements = new Map<string, Database.Statement<Arg[]>>();
  private readonly remove;
  private readonly insert;
  private readonly upsertCount;
  private readonly countSince;

  constructor(private readonly db: Database.Database) {
    this.remove = db.prepare<[string]>('DELETE FROM catalog WHERE name = ?');
    this.insert = db.prepare<[string]>(sqliteCatalogInsert('t.name = ?'));
    this.upsertCount = db.prepare<[string, string, number]>(
      'INSERT INTO resolution_days (name, day, count) VALUES (?, ?, ?) ON CONFLICT (name, day) DO UPDATE SET count = count + excluded.count',
    );
    this.countSince = db
      .prepare<[string, string], number | null>('SELECT sum(count) FROM resolution_days WHERE name = ? AND day >= ?')
      .pluck();
  }

  /** Rebuilds the row of one name; call inside the transaction that changed its versions or tags. */
  refresh(name: string): void {
    this.remove.run(name);
    this.insert.run(name);
  }

  private prepared(sql: string): Database.Statement<Arg[]> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare<Arg[]>(sql);
      if (this.statements.size < 200) this.statements.set(sql, s);
    }
    return s;
  }

  private filters(q: Omit<CatalogStoreQuery, 'order' | 'limit' | 'offset' | 'since'>): {
    where: string[];
    args: Arg[];
  } {
    const where: string[] = [];
    const args: Arg[] = [];
    if (!q.readable.all) {
      const list = JSON.stringify(q.readable.scopes);
      where.push('(c.scope IN (SELECT value FROM json_each(?)) OR c.org IN (SELECT value FROM json_each(?)))');
      args.push(list, list);
    }
    if (q.category !== undefined) {
      where.push('c.category = ?');
      args.push(q.category);
    }
    if (q.scope !== undefined) {
      where.push(q.exactScope ? 'c.scope = ?' : '(c.scope = ? OR c.org = ?)');
      args.push(...(q.exactScope ? [q.scope] : [q.scope, q.scope]));
    }
    return { where, args };
  }

  search(q: CatalogStoreQuery): CatalogResult {
    if (!q.readable.all && q.readable.scopes.length === 0) return { rows: [], total: 0 };
    const { where, args } = this.filters(q);
    const text = q.words.length > 0;
    let from = 'catalog c';
    const fromArgs: Arg[] = [];
    if (text) {
      from = 'catalog_fts JOIN catalog c ON c.id = catalog_fts.rowid';
      where.unshift('catalog_fts MATCH ?');
      args.unshift(ftsQuery(q.words));
    }
    if (q.order === 'popular') {
      from +=
        ' JOIN (SELECT name, sum(count) AS n FROM resolution_days WHERE day >= ? GROUP BY name) r ON r.name = c.name';
      fromArgs.push(q.since);
    }
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    let order = 'name';
    const orderArgs: Arg[] = [];
    if (q.order === 'recent') order = 'published_at DESC, name';
    if (q.order === 'popular') order = 'n DESC, name';
    if (q.order === 'relevance' && text) {
      // A name with a word starting with each search word first: plain string tests on the row, no second FTS query.
      order = `(${q.words.map(() => "instr(' ' || words, ' ' || ?) > 0").join(' AND ')}) DESC, score, name`;
      orderArgs.push(...q.words);
    }
    // The README matches but does not rank (weight 0), as in PostgreSQL, where ranking it cost too much.
    const score = text ? 'bm25(catalog_fts, 10.0, 4.0, 2.0, 0.0)' : '0';
    // One full-text pass: bm25 cannot sit beside a window function, so the matches are materialised first and
    // the window count over them is the total before LIMIT.
    const rows = this.prepared(
      `WITH m AS MATERIALIZED (SELECT c.name, c.version, c.description, c.category, c.scope, c.deprecated, c.published_at,
         c.words, ${score} AS score, ${q.order === 'popular' ? 'r.n' : '0'} AS n FROM ${from} ${whereSql})
       SELECT name, version, description, category, scope, deprecated, published_at, count(*) OVER () AS total
       FROM m ORDER BY ${order} LIMIT ? OFFSET ?`,
    ).all(...fromArgs, ...args, ...orderArgs, q.limit, q.offset) as (Row & { total: number })[];
    const total =
      rows.length > 0 || q.offset === 0
        ? Number(rows[0]?.total ?? 0)
        : Number(
            this.prepared(`SELECT count(*) AS n FROM ${from} ${whereSql}`)
              .pluck()
              .get(...fromArgs, ...args) ?? 0,
          );
    const counts = this.countsFor(
      rows.map((r) => r.name),
      q.since,
    );
    return { rows: rows.map((r) => toCatalogRow({ ...r, resolutions: counts.get(r.name) ?? 0 })), total };
  }

  private countsFor(names: string[], since: string): Map<string, number> {
    if (names.length === 0) return new Map();
    const rows = this.prepared(
      'SELECT name, sum(count) AS n FROM resolution_days WHERE name IN (SELECT value FROM json_each(?)) AND day >= ? GROUP BY name',
    ).all(JSON.stringify(names), since) as { name: string; n: number }[];
    return new Map(rows.map((r) => [r.name, Number(r.n)]));
  }

  categories(readable: ReadableScopes): { category: string; count: number }[] {
    if (!readable.all && readable.scopes.length === 0) return [];
    const { where, args } = this.filters({ words: [], readable });
    where.push('c.category IS NOT NULL');
    return this.prepared(
      `SELECT c.category AS category, count(*) AS count FROM catalog c WHERE ${where.join(' AND ')}
       GROUP BY c.category ORDER BY count DESC, c.category`,
    ).all(...args) as { category: string; count: number }[];
  }

  addResolutions(counts: ResolutionCount[]): void {
    this.db
      .transaction(() => {
        for (const c of counts) this.upsertCount.run(c.name, c.day, c.count);
      })
      .immediate();
  }

  resolutionsSince(name: string, since: string): number {
    return Number(this.countSince.get(name, since) ?? 0);
  }
}
