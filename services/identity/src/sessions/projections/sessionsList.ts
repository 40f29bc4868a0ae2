import { defineProjection } from '@ledgerline/eventsourcing';
import type { Session } from '../../generated/prisma/client.js';
import type { SessionEvent } from '../session.js';

/** The sessions each user has open (one row per live session): ListMySessions and "log out everywhere" read it. */
export const sessionsListProjection = defineProjection<SessionEvent, Session>({
  name: 'sessions',
  table: 'sessions',
  canHandle: ['SessionOpened', 'SessionRefreshed', 'SessionRevoked', 'SessionEnded'],
  // The bulk SessionRevoked (sessionId null) is only an announcement: each session has its SessionEnded.
  documentId: (event) => event.data.sessionId,
  evolve(row, event) {
    switch (event.type) {
      case 'SessionOpened': {
        const { sessionId, userId, userAgent, ip, mfa, openedAt, expiresAt } = event.data;
        return {
          id: sessionId,
          userId,
          userAgent,
          ip,
          mfa,
          createdAt: new Date(openedAt),
          lastSeenAt: new Date(openedAt),
          expiresAt: new Date(expiresAt),
        };
      }
      case 'SessionRefreshed': {
        if (row === null) return null;
        const { refreshedAt, expiresAt, ip, userAgent } = event.data;
        return {
          ...row,
          lastSeenAt: new Date(refreshedAt),
          expiresAt: new Date(expiresAt),
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
