import type { RecordedEvent } from '@ledgerline/eventsourcing';
import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../session.js';
import { sessionsListProjection } from './sessionsList.js';

type DataOf<T extends SessionEvent['type']> = Extract<SessionEvent, { type: T }>['data'];

const userId = '01900000-0000-7000-8000-000000000001';
const sessionId = '01900000-0000-7000-8000-0000000000a1';
const T1 = '2026-11-23T11:00:00.000Z';
let position = 0;
const event = <T extends SessionEvent['type']>(type: T, data: DataOf<T>): RecordedEvent<T, DataOf<T>> => ({
  id: `e${++position}`,
  type,
  schemaVersion: 1,
  streamId: `session-${sessionId}`,
  streamPosition: position,
  globalPosition: position,
  transactionId: 1,
  occurredAt: T1,
  data,
  meta: {},
});
const fold = (events: Parameters<typeof sessionsListProjection.evolve>[1][]) =>
  events.reduce<ReturnType<typeof sessionsListProjection.evolve>>(
    (row, e) => sessionsListProjection.evolve(row, e),
    null,
  );

const opened = event('SessionOpened', {
  sessionId,
  userId,
  openedAt: T1,
  expiresAt: '2026-12-23T11:00:00.000Z',
  refreshTokenHash: 'r1',
  ip: '192.0.2.1',
  userAgent: 'curl',
  mfa: false,
  method: 'password',
});

describe('sessions projection', () => {
  it('keeps a live session as its Prisma row and refreshes it', () => {
    const refreshed = event('SessionRefreshed', {
      sessionId,
      userId,
      refreshTokenHash: 'r2',
      refreshedAt: '2026-11-24T09:00:00.000Z',
      expiresAt: '2026-12-24T09:00:00.000Z',
      ip: null,
      userAgent: 'firefox',
    });
    expect(fold([opened, refreshed])).toEqual({
      id: sessionId,
      userId,
      userAgent: 'firefox',
      ip: '192.0.2.1',
      mfa: false,
      createdAt: new Date(T1),
      lastSeenAt: new Date('2026-11-24T09:00:00.000Z'),
      expiresAt: new Date('2026-12-24T09:00:00.000Z'),
    });
  });

  it('removes the row when the session ends; the bulk announcement is about no row', () => {
    const ended = event('SessionEnded', { sessionId, userId, reason: 'logout_all', endedAt: T1 });
    expect(fold([opened, ended])).toBeNull();
    const everywhere = event('SessionRevoked', {
      userId,
      email: 'ada@example.com',
      displayName: 'Ada',
      locale: 'en',
      sessionId: null,
      reason: 'logout_all',
      revokedAt: T1,
    });
    expect(sessionsListProjection.documentId(everywhere)).toBeNull();
  });
});
