import type { PoolClient } from 'pg';

// Advisory-lock keys, as (namespace, id) pairs of hashtext() so kernels never collide with
// each other's keys or an application's single-key locks.

/** Taken shared by every projection batch and exclusively by the blue/green swap. */
export async function lockReadModelShared(client: PoolClient, service: string): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock_shared(hashtext('ll-rm'), hashtext($1))`, [service]);
}

export async function lockReadModelExclusive(client: PoolClient, service: string): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('ll-rm'), hashtext($1))`, [service]);
}

/** Session lock that makes one process the active runner of a named worker; false when taken. */
export async function tryLockWorker(client: PoolClient, service: string, worker: string): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>(
    `SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked`,
    [`ll-worker:${service}`, worker],
  );
  return rows[0]?.locked === true;
}

export async function unlockWorker(client: PoolClient, service: string, worker: string): Promise<void> {
  await client.query(`SELECT pg_advisory_unlock(hashtext($1), hashtext($2))`, [
    `ll-worker:${service}`,
    worker,
  ]);
}
