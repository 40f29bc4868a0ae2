import { type EventEnvelope, uuidv7 } from '@ledgerline/contracts';
import { runSagaStep } from '@ledgerline/eventsourcing';
import type { WorkerDefinition } from '@ledgerline/platform';
import type { FilesDeps } from '../filesDeps.js';
import { SWEEP_SAGA_ID, sweepSaga } from './sweepSaga.js';

/**
 * Delivers `SweepRequested` (the configured SWEEP_HOUR_UTC) to the sweep saga once at start-up, so
 * its first scheduled message exists, or moves to a new hour. Idempotent: an unchanged hour
 * decides nothing. The kernel's saga scheduler delivers the nightly timeouts from then on.
 */
export const sweepBootstrap: WorkerDefinition<FilesDeps> = {
  name: 'incoming-sweep-bootstrap',
  async start(deps) {
    const messageId = uuidv7();
    // Not a stored event: the trigger of this one step (positions 1, like a stream's first event).
    const event: EventEnvelope = {
      id: messageId,
      type: 'SweepRequested',
      schemaVersion: 1,
      streamId: `saga-${sweepSaga.name}-${SWEEP_SAGA_ID}`,
      streamPosition: 1,
      globalPosition: 1,
      occurredAt: deps.clock().toISOString(),
      data: { hourUtc: deps.settings.SWEEP_HOUR_UTC },
      meta: {},
    };
    const client = await deps.pool.connect();
    try {
      await client.query('BEGIN');
      const input = { kind: 'event' as const, messageId, event };
      const now = deps.clock();
      await runSagaStep(client, { store: deps.store, saga: sweepSaga, sagaId: SWEEP_SAGA_ID, input, now });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    return { stop: async () => {} };
  },
};
