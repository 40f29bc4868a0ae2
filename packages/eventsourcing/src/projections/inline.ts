import type { AppendHook } from '../postgres/pgEventStore.js';
import { schemasOf } from '../postgres/sql.js';
import { inlineLoads, type PreloadedRows, planBatches, projectBatches } from './projectBatch.js';
import type { AnyProjection } from './projection.js';
import { loadStatement } from './tableWriter.js';

/**
 * Inline projections run inside the append transaction: the read model changes with the events
 * or not at all, so a command's caller reads its own write. Pass the hook to the store. The rows
 * they need are loaded by the append statement itself (`preload`), and all of them share one write
 * statement (projectBatches): a command is BEGIN, append+load, write, COMMIT — the transaction's
 * round trips bound how many commands a pool of connections serves.
 */
export function inlineProjections(service: string, projections: readonly AnyProjection[]): AppendHook {
  const { readModel } = schemasOf(service);
  const hook: AppendHook = (client, events, preloaded) =>
    projectBatches(client, readModel, projections, events, preloaded as PreloadedRows | undefined);
  hook.plan = (client, events, preloaded, options) =>
    planBatches(client, readModel, projections, events, preloaded as PreloadedRows | undefined, options);
  hook.preload = async (client, events, firstParam) => {
    const loads = inlineLoads(projections, events);
    const statement = await loadStatement(client, readModel, loads, firstParam);
    if (!statement) return undefined;
    return {
      text: statement.text,
      values: statement.values,
      read: (rows): PreloadedRows => ({ loads, maps: statement.read(rows) }),
    };
  };
  return hook;
}
