import type { sessionRevokedEvent, sessionRevokedReasonSchema } from '@ledgerline/contracts';
import type { z } from 'zod';

/** The session stream of one sign-in: `session-<sessionId>`. */
export const sessionStream = (sessionId: string): string => `session-${sessionId}`;

export type RevocationReason = z.infer<typeof sessionRevokedReasonSchema>;
/** Who an event about a user is addressed to (the public events carry it for the notifier). */
export interface Recipient {
  userId: string;
  email: string;
  displayName: string;
  locale: string;
}

/** Internal: a sign-in succeeded. The Users read model reads `userId` and `openedAt` (last login). */
export type SessionOpened = {
  type: 'SessionOpened';
  data: {
    sessionId: string;
    userId: string;
    openedAt: string;
    expiresAt: string;
    refreshTokenHash: string;
    ip: string | null;
    userAgent: string | null;
    mfa: boolean;
    method: 'password' | 'code';
  };
};

/** Internal: the refresh token was rotated (the previous hash is now a reuse tripwire). */
export type SessionRefreshed = {
  type: 'SessionRefreshed';
  data: {
    sessionId: string;
    userId: string;
    refreshTokenHash: string;
    refreshedAt: string;
    expiresAt: string;
    ip: string | null;
    userAgent: string | null;
  };
};

/** Public: this one session ended (logout, revoked by the user, refresh-token reuse). */
export type SessionRevoked = { type: 'SessionRevoked'; data: z.infer<typeof sessionRevokedEvent.data> };

/** Internal: ended as part of "every session of the user" (one public SessionRevoked, sessionId null). */
export type SessionEnded = {
  type: 'SessionEnded';
  data: { sessionId: string; userId: string; reason: RevocationReason; endedAt: string };
};

export type SessionEvent = SessionOpened | SessionRefreshed | SessionRevoked | SessionEnded;

interface SessionFacts {
  sessionId: string;
  userId: string;
  /** Every hash this session ever handed out except the current one: presenting one is reuse. */
  previousHashes: string[];
  mfa: boolean;
  openedAt: string;
}

export type Session =
  | { status: 'none' }
  | (SessionFacts & { status: 'active'; refreshTokenHash: string; expiresAt: string })
  | (SessionFacts & { status: 'ended'; reason: RevocationReason });

export const initialSession = (): Session => ({ status: 'none' });

/** Folds one event into the session. */
export function evolveSession(state: Session, event: SessionEvent): Session {
  switch (event.type) {
    case 'SessionOpened': {
      const { sessionId, userId, refreshTokenHash, expiresAt, mfa, openedAt } = event.data;
      return {
        status: 'active',
        sessionId,
        userId,
        refreshTokenHash,
        expiresAt,
        mfa,
        openedAt,
        previousHashes: [],
      };
    }
    case 'SessionRefreshed':
      if (state.status !== 'active') return state;
      return {
        ...state,
        previousHashes: [...state.previousHashes, state.refreshTokenHash],
        refreshTokenHash: event.data.refreshTokenHash,
        expiresAt: event.data.expiresAt,
      };
    case 'SessionRevoked':
    case 'SessionEnded': {
      if (state.status !== 'active') return state;
      const { refreshTokenHash: current, expiresAt: _expiresAt, status: _status, ...facts } = state;
      return {
        ...facts,
        status: 'ended',
        reason: event.data.reason,
        previousHashes: [...facts.previousHashes, current],
      };
    }
  }
}
