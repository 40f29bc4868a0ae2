import type { AppendHook } from '../postgres/pgEventStore.js';
import { schemasOf } from '../postgres/sql.js';
import { projectBatch } from './projectBatch.js';
import type { Projection } from './projection.js';

/**
 * Inline projections run inside the append transaction: the read model changes with the events
 * or not at all, so a command's caller reads its own write. Pass the hook to the store.
 */
export function inlineProjections(service: string, projections: Projection[]): AppendHook {
  const { readModel } = schemasOf(service);
  return async (client, events) => {
    for (const projection of projections) await projectBatch(client, readModel, projection, events);
  };
}
