/**
 * The catalog over PostgreSQL: a weighted tsvector with a GIN index (matched on the whole
 * document, ranked by ts_rank on name, description and inputs; a name match first) and the
 * reader's scopes inside the query, so totals and pages count only what the reader may read.
 */
import type pg from 'pg';
import type { CatalogResult, CatalogStoreQuery, ReadableScopes, ResolutionCount } from './catalog-types.js';
import { postgresCatalogInsert } from './postgres-catalog-sql.js';
import { toCatalogRow, type CatalogSqlRow } from './catalog-row.js';

/** Each word as a quoted prefix lexeme; the words hold letters and digits only, so no tsquery syntax gets through. */
function tsQuery(words: string[]): string {
  return words.map((w) => `'${w.replace(/'/g, "''")}':*`).join(' & ');
}

class Args {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export class PostgresCatalog {
  constructor(private readonly pool: pg.Pool) {}

  /** Rebuilds the row of one name; call inside the transaction that changed its versions or tags. */
  async refresh(c: pg.PoolClient, name: string): Promise<void> {
    await c.query('DELETE FROM catalog WHERE name = $1', [name]);
    await c.query(postgresCatalogInsert('t.name = $1'), [name]);
  }

  private filters(q: Omit<CatalogStoreQuery, 'order' | 'limit' | 'offset' | 'since'>, args: Args): string[] {
    const where: string[] = [];
    if (!q.readable.all) {
      const list = args.add(q.readable.scopes);
      where.push(`(c.scope = ANY(${list}::text[]) OR c.org = ANY(${list}::text[]))`);
    }
    if (q.category !== undefined) where.push(`c.category = ${args.add(q.category)}`);
    if (q.scope !== undefined) {
      const scope = args.add(q.scope);
      where.push(q.exactScope ? `c.scope = ${scope}` : `(c.scope = ${scope} OR c.org = ${scope})`);
    }
    return where;
  }

  async search(q: CatalogStoreQuery): Promise<CatalogResult> {
    if (!q.readable.all && q.readable.scopes.length === 0) return { rows: [], total: 0 };
    const args = new Args();
    let from = 'catalog c';
    const text = q.words.length > 0;
    const where: string[] = [];
    let query = '';
    if (q.order === 'popular')
      from += ` JOIN (SELECT name, sum(count) AS n FROM resolution_days WHERE day >= ${args.add(q.since)} GROUP BY name) r ON r.name = c.name`;
    if (text) {
      query = `to_tsquery('simple', ${args.add(tsQuery(q.words))})`;
      where.push(`c.document @@ ${query}`);
    }
    where.push(...this.filters(q, args));
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const countArgs = [...args.values];
    let order = 'c.name';
    if (q.order === 'recent') order = 'c.published_at DESC, c.name';
    if (q.order === 'popular') order = 'r.n DESC, c.name';
    if (q.order === 'relevance' && text) {
      // A name with a word starting with each search word first: plain string tests on the row.
      const nameHit = q.words.map((w) => `strpos(' ' || c.words, ${args.add(` ${w}`)}) > 0`).join(' AND ');
      order = `(${nameHit}) DESC, ts_rank(c.head, ${query}) DESC, c.name`;
    }
    const limit = args.add(q.limit);
    const offset = args.add(q.offset);
    // One pass: the window count is the total before LIMIT, so the full-text match runs once.
    const rows = (
      await this.pool.query<CatalogSqlRow & { total: string }>(
        `SELECT c.name, c.version, c.description, c.category, c.scope, c.deprecated, c.published_at,
           count(*) OVER () AS total FROM ${from} ${whereSql} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
        args.values,
      )
    ).rows;
    let total = Number(rows[0]?.total ?? 0);
    if (rows.length === 0 && q.offset > 0) {
      const count = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${from} ${whereSql}`, countArgs);
      total = Number(count.rows[0]?.n ?? 0);
    }
    const counts = await this.countsFor(
      rows.map((r) => r.name),
      q.since,
    );
    return { rows: rows.map((r) => toCatalogRow({ ...r, resolutions: counts.get(r.name) ?? 0 })), total };
  }

  private async countsFor(names: string[], since: string): Promise<Map<string, number>> {
    if (names.length === 0) return new Map();
    const rows = (
      await this.pool.query<{ name: string; n: string }>(
        'SELECT name, sum(count) AS n FROM resolution_days WHERE name = ANY($1::text[]) AND day >= $2 GROUP BY name',
        [names, since],
      )
    ).rows;
    return new Map(rows.map((r) => [r.name, Number(r.n)]));
  }

  async categories(readable: ReadableScopes): Promise<{ category: string; count: number }[]> {
    if (!readable.all && readable.scopes.length === 0) return [];
    const args = new Args();
    const where = [...this.filters({ words: [], readable }, args), 'c.category IS NOT NULL'];
    const rows = (
      await this.pool.query<{ category: string; count: string }>(
        `SELECT c.category AS category, count(*) AS count FROM catalog c WHERE ${where.join(' AND ')}
         GROUP BY c.category ORDER BY count(*) DESC, c.category`,
        args.values,
      )
    ).rows;
    return rows.map((r) => ({ category: r.category, count: Number(r.count) }));
  }

  async addResolutions(counts: ResolutionCount[]): Promise<void> {
    if (counts.length === 0) return;
    // One statement: a batch of counters is one round trip, and ON CONFLICT makes concurrent flushes add up.
    await this.pool.query(
      `INSERT INTO resolution_days (name, day, count) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
       ON CONFLICT (name, day) DO UPDATE SET count = resolution_days.count + excluded.count`,
      [counts.map((c) => c.name), counts.map((c) => c.day), counts.map((c) => c.count)],
    );
  }

  async resolutionsSince(name: string, since: string): Promise<number> {
    const r = await this.pool.query<{ n: string | null }>(
      'SELECT sum(count) AS n FROM resolution_days WHERE name = $1 AND day >= $2',
      [name, since],
    );
    return Number(r.rows[0]?.n ?? 0);
  }
}
