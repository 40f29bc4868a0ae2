import { NotFoundError, UnauthorizedError } from '@ledgerline/contracts';
import type { Decider } from '@ledgerline/eventsourcing';
import { constantTimeEquals } from '../shared/tokens.js';
import {
  evolveSession,
  initialSession,
  type Recipient,
  type RevocationReason,
  type Session,
  type SessionEvent,
} from './session.js';

export type SessionCommand =
  | {
      type: 'OpenSession';
      data: {
        sessionId: string;
        userId: string;
        refreshTokenHash: string;
        ip: string | null;
        userAgent: string | null;
        mfa: boolean;
        method: 'password' | 'code';
      };
    }
  | {
      type: 'RefreshSession';
      data: { presentedHash: string; newHash: string; ip: string | null; userAgent: string | null };
    }
  | {
      // Logout (by the access token's user or by the refresh token) and "revoke one of mine".
      type: 'EndSession';
      data: { by: { userId: string } | { refreshTokenHash: string }; reason: 'logout' | 'revoked_by_user' };
    }
  | {
      // One of many ended at once; the single public SessionRevoked is appended beside (revokeAll.ts).
      type: 'EndAsPartOfAll';
      data: { reason: RevocationReason; openedBefore: string | null };
    };

export interface SessionContext {
  now: Date;
  refreshTokenTtlSeconds: number;
  /** The session's user as the public events name them. */
  recipient: Recipient;
}

/** The one message for every refresh failure: which part was wrong is nobody's business. */
export const INVALID_REFRESH = 'Invalid or expired refresh token';

const expiresAt = (ctx: SessionContext) =>
  new Date(ctx.now.getTime() + ctx.refreshTokenTtlSeconds * 1000).toISOString();

const revoked = (
  state: { sessionId: string },
  reason: RevocationReason,
  ctx: SessionContext,
): SessionEvent => ({
  type: 'SessionRevoked',
  data: { ...ctx.recipient, sessionId: state.sessionId, reason, revokedAt: ctx.now.toISOString() },
});

function refresh(
  command: Extract<SessionCommand, { type: 'RefreshSession' }>['data'],
  state: Session,
  ctx: SessionContext,
): SessionEvent[] {
  if (state.status === 'none') throw new UnauthorizedError(INVALID_REFRESH);
  const reused = state.previousHashes.some((hash) => constantTimeEquals(hash, command.presentedHash));
  // A rotated token coming back means two parties hold this session's tokens: end the whole family.
  if (reused && state.status === 'active') return [revoked(state, 'refresh_token_reuse', ctx)];
  if (state.status !== 'active' || !constantTimeEquals(state.refreshTokenHash, command.presentedHash)) {
    throw new UnauthorizedError(INVALID_REFRESH);
  }
  if (Date.parse(state.expiresAt) <= ctx.now.getTime()) throw new UnauthorizedError(INVALID_REFRESH);
  return [
    {
      type: 'SessionRefreshed',
      data: {
        sessionId: state.sessionId,
        userId: state.userId,
        refreshTokenHash: command.newHash,
        refreshedAt: ctx.now.toISOString(),
        expiresAt: expiresAt(ctx),
        ip: command.ip,
        userAgent: command.userAgent,
      },
    },
  ];
}

function end(
  command: Extract<SessionCommand, { type: 'EndSession' }>['data'],
  state: Session,
  ctx: SessionContext,
): SessionEvent[] {
  const { by } = command;
  if ('userId' in by) {
    // Someone else's session is as good as absent: no hint that the id exists.
    if (state.status === 'none' || state.userId !== by.userId) throw new NotFoundError('Session not found');
    return state.status === 'active' ? [revoked(state, command.reason, ctx)] : [];
  }
  if (state.status !== 'active' || !constantTimeEquals(state.refreshTokenHash, by.refreshTokenHash)) {
    throw new UnauthorizedError(INVALID_REFRESH);
  }
  return [revoked(state, command.reason, ctx)];
}

function decide(command: SessionCommand, state: Session, ctx: SessionContext): SessionEvent[] {
  switch (command.type) {
    case 'OpenSession': {
      if (state.status !== 'none') throw new Error(`session ${command.data.sessionId} already exists`);
      const { refreshTokenHash, ...data } = command.data;
      const openedAt = ctx.now.toISOString();
      return [
        { type: 'SessionOpened', data: { ...data, refreshTokenHash, openedAt, expiresAt: expiresAt(ctx) } },
      ];
    }
    case 'RefreshSession':
      return refresh(command.data, state, ctx);
    case 'EndSession':
      return end(command.data, state, ctx);
    case 'EndAsPartOfAll': {
      if (state.status !== 'active') return [];
      const { openedBefore, reason } = command.data;
      // Replaying an old PasswordChanged must not end the sessions opened after it.
      if (openedBefore !== null && Date.parse(state.openedAt) > Date.parse(openedBefore)) return [];
      const data = {
        sessionId: state.sessionId,
        userId: state.userId,
        reason,
        endedAt: ctx.now.toISOString(),
      };
      return [{ type: 'SessionEnded', data }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

/** The session aggregate: refresh-token rotation with reuse detection, logout, revocation. */
export const sessionDecider: Decider<SessionCommand, SessionEvent, Session, SessionContext> = {
  decide,
  evolve: evolveSession,
  initialState: initialSession,
};
