import { type EventEnvelope, sweepIncomingCommand } from '@ledgerline/contracts';
import type { SagaInput } from '@ledgerline/eventsourcing';
import { describe, expect, it } from 'vitest';
import { nextRunAt, SWEEP_OLDER_THAN_SECONDS, type SweepSagaEvent, sweepSaga } from './sweepSaga.js';

const requested = (hourUtc: number): SagaInput => ({
  kind: 'event',
  messageId: 'm',
  event: { id: 'm', type: 'SweepRequested', data: { hourUtc } } as EventEnvelope,
});
const stateOf = (events: SweepSagaEvent[]) => events.reduce(sweepSaga.evolve, sweepSaga.initialState());
const scheduledAt = (hourUtc: number, dueAt: string): SweepSagaEvent => ({
  type: 'SweepScheduled',
  data: { hourUtc, dueAt },
});

describe('incoming sweep saga', () => {
  it('the next run is the next hour:00 UTC strictly after now', () => {
    expect(nextRunAt(new Date('2026-11-30T02:59:59Z'), 3)).toEqual(new Date('2026-11-30T03:00:00Z'));
    expect(nextRunAt(new Date('2026-11-30T03:00:00Z'), 3)).toEqual(new Date('2026-12-01T03:00:00Z'));
  });

  it('schedules the first sweep when started; started again with the same hour, does nothing', () => {
    const now = new Date('2026-11-30T10:00:00Z');
    const ctx = { now, sagaId: 'nightly' };
    const first = sweepSaga.decide(requested(3), stateOf([]), ctx);
    expect(first).toEqual({
      events: [scheduledAt(3, '2026-12-01T03:00:00.000Z')],
      schedule: [{ type: 'Sweep', dueAt: new Date('2026-12-01T03:00:00Z') }],
      cancelSchedules: ['Sweep'],
    });
    expect(sweepSaga.decide(requested(3), stateOf(first.events!), ctx)).toEqual({});
    expect(sweepSaga.decide(requested(4), stateOf(first.events!), ctx)).toMatchObject({
      schedule: [{ type: 'Sweep', dueAt: new Date('2026-12-01T04:00:00Z') }],
      cancelSchedules: ['Sweep'],
    });
  });

  it('at the timeout sends SweepIncoming and schedules the next night (a late delivery too)', () => {
    const now = new Date('2026-12-01T09:30:00Z'); // the service was down at 03:00
    const timeout: SagaInput = {
      kind: 'timeout',
      messageId: 't',
      type: 'Sweep',
      payload: null,
      dueAt: '2026-12-01T03:00:00.000Z',
    };
    const state = stateOf([scheduledAt(3, '2026-12-01T03:00:00.000Z')]);
    expect(sweepSaga.decide(timeout, state, { now, sagaId: 'nightly' })).toEqual({
      events: [scheduledAt(3, '2026-12-02T03:00:00.000Z')],
      schedule: [{ type: 'Sweep', dueAt: new Date('2026-12-02T03:00:00Z') }],
      commands: [
        { subject: sweepIncomingCommand.subject, payload: { olderThanSeconds: SWEEP_OLDER_THAN_SECONDS } },
      ],
    });
  });
});
