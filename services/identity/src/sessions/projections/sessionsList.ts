import { type DomainEvent, defineProjection, type RecordedEvent } from '@ledgerline/eventsourcing';
import type { SessionEvent } from '../session.js';

/** A row of `sessions` (prisma/schema/sessions.prisma): one per live session, removed when it ends. */
export interface SessionRow extends Record<string, unknown> {
  id: string;
  userId: string;
  userAgent: string | null;
  ip: string | null;
  mfa: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

const asSessionEvent = (event: RecordedEvent) => ({ type: event.type, data: event.data }) as SessionEvent;

/** The sessions each user has open: ListMySessions and "log out everywhere" read it. */
export const sessionsListProjection = defineProjection<DomainEvent, SessionRow>({
  name: 'sessions',
  table: 'sessions',
  canHandle: ['SessionOpened', 'SessionRefreshed', 'SessionRevoked', 'SessionEnded'],
  // The bulk SessionRevoked (sessionId null) is only an announcement: each session has its SessionEnded.
  documentId: (event) => (event.data as { sessionId: string | null }).sessionId ?? null,
  evolve(row, recorded) {
    const event = asSessionEvent(recorded);
    switch (event.type) {
      case 'SessionOpened': {
        const { sessionId, userId, userAgent, ip, mfa, openedAt, expiresAt } = event.data;
        return {
          id: sessionId,
          userId,
          userAgent,
          ip,
          mfa,
          createdAt: openedAt,
          lastSeenAt: openedAt,
          expiresAt,
        };
      }
      case 'SessionRefreshed': {
        if (row === null) return null;
        const { refreshedAt, expiresAt, ip, userAgent } = event.data;
        return {
          ...row,
          lastSeenAt: refreshedAt,
          expiresAt,
          ip: ip ?? row.ip,
          userAgent: userAgent ?? row.userAgent,
        };
      }
      case 'SessionRevoked':
      case 'SessionEnded':
        return null;
    }
  },
});
