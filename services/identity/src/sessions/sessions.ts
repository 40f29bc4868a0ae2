import {
  type ClientInfo,
  type MessageMeta,
  NotFoundError,
  type SessionTokens,
  type SessionView,
  UnauthorizedError,
} from '@ledgerline/contracts';
import { handleCommand, type PostgresEventStore } from '@ledgerline/eventsourcing';
import { uuidv7 } from '@ledgerline/platform';
import { findLoginAccountById, type LoginAccount } from '../accounts/loginAccounts.js';
import type { ReadModels } from '../service.js';
import { assertCallerWaiting } from '../shared/deadline.js';
import type { SigningKeys } from '../signingKeys/signingKeys.js';
import { INVALID_REFRESH, type SessionCommand, type SessionContext, sessionDecider } from './decide.js';
import { issueRefreshToken, parseRefreshToken } from './refreshTokens.js';
import { endAllSessions } from './revokeAll.js';
import { type Recipient, type Session, type SessionEvent, sessionStream } from './session.js';

export interface SessionsDeps {
  store: PostgresEventStore;
  prisma: ReadModels;
  signingKeys: SigningKeys;
  refreshTokenTtlSeconds: number;
}

type Meta = Partial<MessageMeta> | undefined;

export const recipientOf = (account: LoginAccount): Recipient => ({
  userId: account.id,
  email: account.email,
  displayName: account.displayName,
  locale: account.locale,
});

/** The session use cases: open (after any sign-in), refresh, logout, revoke, list. */
export class Sessions {
  constructor(private readonly deps: SessionsDeps) {}

  /** Opens a session for an authenticated account and returns its first tokens. */
  async open(
    account: LoginAccount,
    input: { client: ClientInfo; mfa: boolean; method: 'password' | 'code' },
    now = new Date(),
    meta?: Meta,
  ): Promise<SessionTokens> {
    const sessionId = uuidv7(now.getTime());
    const refresh = issueRefreshToken(sessionId);
    const command: SessionCommand = {
      type: 'OpenSession',
      data: {
        sessionId,
        userId: account.id,
        refreshTokenHash: refresh.hash,
        ip: input.client.ip ?? null,
        userAgent: input.client.userAgent ?? null,
        mfa: input.mfa,
        method: input.method,
      },
    };
    const events = sessionDecider.decide(command, sessionDecider.initialState(), this.context(account, now));
    // After a password check under load: a session nobody will receive the tokens of is not opened.
    assertCallerWaiting();
    await this.deps.store.append(sessionStream(sessionId), events, { expectedVersion: 'no_stream', meta });
    const opened = events.find((e) => e.type === 'SessionOpened');
    if (!opened) throw new Error('OpenSession decided no SessionOpened');
    const { expiresAt } = opened.data;
    return this.tokens(account, { sessionId, mfa: input.mfa, refreshToken: refresh.token, expiresAt }, now);
  }

  /** Rotates the refresh token; a rotated one presented again ends the session (reuse). */
  async refresh(
    refreshToken: string,
    client: ClientInfo,
    now = new Date(),
    meta?: Meta,
  ): Promise<SessionTokens> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) throw new UnauthorizedError(INVALID_REFRESH);
    const next = issueRefreshToken(parsed.sessionId);
    const command: SessionCommand = {
      type: 'RefreshSession',
      data: {
        presentedHash: parsed.hash,
        newHash: next.hash,
        ip: client.ip ?? null,
        userAgent: client.userAgent ?? null,
      },
    };
    const { events, state, account } = await this.run(parsed.sessionId, command, now, meta);
    const refreshed = events.find((e) => e.type === 'SessionRefreshed');
    if (!refreshed || state.status !== 'active') throw new UnauthorizedError(INVALID_REFRESH);
    const { sessionId, mfa } = state;
    return this.tokens(
      account,
      { sessionId, mfa, refreshToken: next.token, expiresAt: refreshed.data.expiresAt },
      now,
    );
  }

  /** Ends the caller's session, named by id (with its owner) or by its refresh token. */
  async logout(
    request: { userId: string; sessionId: string } | { refreshToken: string },
    now = new Date(),
    meta?: Meta,
  ): Promise<void> {
    if ('refreshToken' in request) {
      const parsed = parseRefreshToken(request.refreshToken);
      if (!parsed) throw new UnauthorizedError(INVALID_REFRESH);
      const by = { refreshTokenHash: parsed.hash };
      await this.run(parsed.sessionId, { type: 'EndSession', data: { by, reason: 'logout' } }, now, meta);
      return;
    }
    const by = { userId: request.userId };
    await this.run(request.sessionId, { type: 'EndSession', data: { by, reason: 'logout' } }, now, meta);
  }

  /** Ends one of the user's own sessions (another user's id is "not found"). */
  async revoke(userId: string, sessionId: string, now = new Date(), meta?: Meta): Promise<void> {
    const command: SessionCommand = {
      type: 'EndSession',
      data: { by: { userId }, reason: 'revoked_by_user' },
    };
    await this.run(sessionId, command, now, meta);
  }

  /** Ends every session of the user; the count of sessions that were live. */
  async logoutAll(userId: string, now = new Date(), meta?: Meta): Promise<number> {
    const account = await findLoginAccountById(this.deps.prisma, userId);
    if (!account) return 0;
    return endAllSessions(this.deps, { recipient: recipientOf(account), reason: 'logout_all', now }, meta);
  }

  /** The user's live sessions, newest first, the caller's own one flagged `current`. */
  async list(userId: string, currentSessionId: string | undefined, now = new Date()): Promise<SessionView[]> {
    const rows = await this.deps.prisma.session.findMany({
      where: { userId, expiresAt: { gt: now } },
      orderBy: { createdAt: 'desc' },
    });
    return rows.map((row) => ({
      id: row.id,
      userAgent: row.userAgent,
      ip: row.ip,
      createdAt: row.createdAt.toISOString(),
      lastSeenAt: row.lastSeenAt.toISOString(),
      current: row.id === currentSessionId,
    }));
  }

  private context(account: LoginAccount, now: Date): SessionContext {
    return { now, refreshTokenTtlSeconds: this.deps.refreshTokenTtlSeconds, recipient: recipientOf(account) };
  }

  private async tokens(
    account: LoginAccount,
    session: { sessionId: string; mfa: boolean; refreshToken: string; expiresAt: string },
    now: Date,
  ): Promise<SessionTokens> {
    const { sessionId, mfa } = session;
    const claims = { userId: account.id, role: account.role, tier: account.tier, sessionId, mfa };
    const access = await this.deps.signingKeys.issueAccessToken(claims, now);
    return {
      tokenType: 'Bearer',
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
      refreshToken: session.refreshToken,
      refreshTokenExpiresAt: session.expiresAt,
      sessionId,
    };
  }

  /**
   * Load → decide → append on one session stream. The owner's account is loaded between the
   * read and the decision: the public SessionRevoked names them, new tokens carry role and tier.
   * A refused account (deleted, deactivated) cannot use its sessions any more.
   */
  private async run(
    sessionId: string,
    command: SessionCommand,
    now: Date,
    meta: Meta,
  ): Promise<{ events: SessionEvent[]; state: Session; account: LoginAccount }> {
    const { events, state, prepared } = await handleCommand({
      store: this.deps.store,
      decider: sessionDecider,
      streamId: sessionStream(sessionId),
      command,
      meta,
      retries: 2,
      prepare: async (current: Session) => {
        if (current.status === 'none') {
          // By id (a user naming one of "their" sessions): not found; by token: an invalid token.
          const byOwner = command.type === 'EndSession' && 'userId' in command.data.by;
          throw byOwner ? new NotFoundError('Session not found') : new UnauthorizedError(INVALID_REFRESH);
        }
        const account = await findLoginAccountById(this.deps.prisma, current.userId);
        if (account?.status !== 'active') throw new UnauthorizedError(INVALID_REFRESH);
        return account;
      },
      context: (account) => this.context(account, now),
    });
    return { events, state, account: prepared };
  }
}
