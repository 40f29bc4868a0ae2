import { NotFoundError } from '@ledgerline/contracts';
import type { Pool } from 'pg';
import { getDeadLetter, resolveDeadLetter } from '../deadLetters/deadLetters.js';
import { schemasOf } from '../postgres/sql.js';
import type { RecordedEvent } from '../store/types.js';
import { lockReadModelShared } from './locks.js';
import { projectBatch } from './projectBatch.js';
import type { Projection } from './projection.js';

/**
 * Applies a parked projection event with the (fixed) projection and marks it retried, in one
 * transaction: a second retry finds it resolved and applies nothing. Returns false then.
 */
export async function retryProjectionDeadLetter(
  pool: Pool,
  service: string,
  id: string,
  projections: Projection[],
): Promise<boolean> {
  const letter = await getDeadLetter(pool, service, id);
  if (letter?.sourceKind !== 'projection') throw new NotFoundError(`no projection dead letter ${id}`);
  const projection = projections.find((p) => p.name === letter.sourceName);
  if (!projection) throw new NotFoundError(`projection ${letter.sourceName} is not registered in ${service}`);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await lockReadModelShared(client, service);
    const resolved = await resolveDeadLetter(client, service, id, 'retried');
    if (!resolved) {
      await client.query('ROLLBACK');
      return false;
    }
    await projectBatch(client, schemasOf(service).readModel, projection, [resolved.payload as RecordedEvent]);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
