import { sweepIncomingCommand } from '@ledgerline/contracts';
import type { CommandFailedEvent, SagaDecision, SagaDefinition } from '@ledgerline/eventsourcing';

// The nightly sweep of orphans under incoming/ as a scheduled message (kernel `scheduled_messages`):
// one saga instance whose `Sweep` timeout sends `SweepIncoming` and schedules the next night. It is
// started, or told a new hour, by `SweepRequested`, which the sweep bootstrap delivers at start-up
// (no public event starts it). A night the service was down is delivered late, at the restart.

export const SWEEP_SAGA_ID = 'nightly';
/** Objects younger than this are left alone: a client may still be uploading them. */
export const SWEEP_OLDER_THAN_SECONDS = 86_400;
const SWEEP = 'Sweep';
const DAY_MS = 86_400_000;

export type SweepSagaEvent = { type: 'SweepScheduled'; data: { hourUtc: number; dueAt: string } };

export interface SweepSagaState {
  hourUtc: number | null;
}

/** The next `hour`:00 UTC strictly after `now`. */
export function nextRunAt(now: Date, hour: number): Date {
  const next = new Date(now);
  next.setUTCHours(hour, 0, 0, 0);
  if (next.getTime() <= now.getTime()) next.setTime(next.getTime() + DAY_MS);
  return next;
}

const scheduled = (hourUtc: number, now: Date): SagaDecision<SweepSagaEvent> => {
  const dueAt = nextRunAt(now, hourUtc);
  return {
    events: [{ type: 'SweepScheduled', data: { hourUtc, dueAt: dueAt.toISOString() } }],
    schedule: [{ type: SWEEP, dueAt }],
  };
};

export const sweepSaga: SagaDefinition<SweepSagaState, SweepSagaEvent> = {
  name: 'incoming-sweep',
  startedBy: ['SweepRequested'],
  correlationId: () => SWEEP_SAGA_ID,
  commandTimeoutMs: 300_000, // a sweep lists the whole quarantine prefix
  initialState: () => ({ hourUtc: null }),
  evolve(state, event: SweepSagaEvent | CommandFailedEvent) {
    return event.type === 'SweepScheduled' ? { hourUtc: event.data.hourUtc } : state;
  },
  decide(input, state, { now }) {
    if (input.kind === 'event' && input.event.type === 'SweepRequested') {
      const { hourUtc } = input.event.data as { hourUtc: number };
      if (state.hourUtc === hourUtc) return {}; // already scheduled: a restart changes nothing
      return { ...scheduled(hourUtc, now), cancelSchedules: [SWEEP] };
    }
    if (input.kind === 'timeout' && input.type === SWEEP && state.hourUtc !== null) {
      return {
        ...scheduled(state.hourUtc, now),
        commands: [
          { subject: sweepIncomingCommand.subject, payload: { olderThanSeconds: SWEEP_OLDER_THAN_SECONDS } },
        ],
      };
    }
    // A failed sweep (recorded by the kernel) is left to the next night; orphans only cost storage.
    return {};
  },
};
