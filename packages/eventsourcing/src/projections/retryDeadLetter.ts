import { NotFoundError } from '@ledgerline/contracts';
import type { Pool } from 'pg';
import { getDeadLetter, resolveDeadLetter } from '../deadLetters/deadLetters.js';
import { withTransaction } from '../postgres/connections.js';
import { schemasOf } from '../postgres/sql.js';
import type { RecordedEvent } from '../store/types.js';
import { lockReadModelShared } from './locks.js';
import { projectBatch } from './projectBatch.js';
import type { AnyProjection } from './projection.js';

/**
 * Applies a parked projection event with the (fixed) projection and marks it retried, in one
 * transaction: a second retry finds it resolved and applies nothing. Returns false then.
 */
export async function retryProjectionDeadLetter(
  pool: Pool,
  service: string,
  id: string,
  projections: readonly AnyProjection[],
): Promise<boolean> {
  const letter = await getDeadLetter(pool, service, id);
  if (letter?.sourceKind !== 'projection') throw new NotFoundError(`no projection dead letter ${id}`);
  const projection = projections.find((p) => p.name === letter.sourceName);
  if (!projection) throw new NotFoundError(`projection ${letter.sourceName} is not registered in ${service}`);
  return withTransaction(pool, async (client) => {
    await lockReadModelShared(client, service);
    const resolved = await resolveDeadLetter(client, service, id, 'retried');
    if (!resolved) return false;
    await projectBatch(client, schemasOf(service).readModel, projection, [resolved.payload as RecordedEvent]);
    return true;
  });
}
