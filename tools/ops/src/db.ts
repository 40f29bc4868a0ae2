import pg from 'pg';

/** Runs `work` with a small pool on the database and always closes it. */
export async function withPool<T>(databaseUrl: string, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4, connectionTimeoutMillis: 5_000 });
  // An idle client dropped by the server must not crash the CLI; the next query reports it.
  pool.on('error', () => undefined);
  try {
    // Fail fast on an unreachable database, before loading any service's code.
    await pool.query('SELECT 1');
    return await work(pool);
  } finally {
    await pool.end();
  }
}
