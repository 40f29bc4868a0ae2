import type { AppendHook } from '../postgres/pgEventStore.js';
import { schemasOf } from '../postgres/sql.js';
import { projectBatches } from './projectBatch.js';
import type { Projection } from './projection.js';

/**
 * Inline projections run inside the append transaction: the read model changes with the events
 * or not at all, so a command's caller reads its own write. Pass the hook to the store. All of
 * them share one load and one write statement (projectBatches): the transaction's round trips
 * bound how many commands a pool of connections serves.
 */
export function inlineProjections(service: string, projections: Projection[]): AppendHook {
  const { readModel } = schemasOf(service);
  return (client, events) => projectBatches(client, readModel, projections, events);
}
