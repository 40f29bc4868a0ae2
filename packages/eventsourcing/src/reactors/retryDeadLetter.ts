import { NotFoundError } from '@ledgerline/contracts';
import type { Pool } from 'pg';
import { getDeadLetter, resolveDeadLetter } from '../deadLetters/deadLetters.js';
import { withTransaction } from '../postgres/connections.js';
import type { PostgresEventStore } from '../postgres/pgEventStore.js';
import type { RecordedEvent } from '../store/types.js';
import { type AnyReactor, reactorContext } from './reactor.js';

export interface RetryReactorDeadLetterOptions {
  pool: Pool;
  service: string;
  store: PostgresEventStore;
  /** The dead letter's id. */
  id: string;
  /** The service's reactors: the one the dead letter came from runs. */
  reactors: readonly AnyReactor[];
  now?: Date;
}

/**
 * Runs the (fixed) effect for a parked reactor event once, marking the dead letter retried in the
 * effect's transaction: a second retry finds it resolved and applies nothing (returns false).
 */
export async function retryReactorDeadLetter(options: RetryReactorDeadLetterOptions): Promise<boolean> {
  const { pool, service, id, store } = options;
  const letter = await getDeadLetter(pool, service, id);
  if (letter?.sourceKind !== 'reactor') throw new NotFoundError(`no reactor dead letter ${id}`);
  const reactor = options.reactors.find((r) => r.name === letter.sourceName);
  if (!reactor) throw new NotFoundError(`reactor ${letter.sourceName} is not registered in ${service}`);
  const after: Array<() => Promise<void>> = [];
  const applied = await withTransaction(pool, async (client) => {
    const resolved = await resolveDeadLetter(client, service, id, 'retried');
    if (!resolved) return false;
    const context = reactorContext(client, store, options.now ?? new Date(), after);
    await reactor.react(resolved.payload as RecordedEvent, context);
    return true;
  });
  if (applied) {
    store.notifyAppended();
    for (const work of after) await work().catch(() => undefined);
  }
  return applied;
}
