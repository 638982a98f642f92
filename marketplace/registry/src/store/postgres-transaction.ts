import type pg from 'pg';

/**
 * Runs `work` in one transaction on a client of `pool`. With `lockKey`, the transaction first takes
 * the advisory lock of that name, so writes to one action name run one at a time across processes.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  lockKey: string | undefined,
  work: (c: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    if (lockKey !== undefined) await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`caravan:${lockKey}`]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
