import { createHash } from 'node:crypto';
import { ConcurrencyError, ConflictError } from '@ledgerline/contracts';
import { fold, type PostgresEventStore } from '@ledgerline/eventsourcing';
import type pg from 'pg';
import type { ReadModels } from '../infrastructure/readModels.js';
import { sessionDecider } from './decide.js';
import { type Recipient, type RevocationReason, type SessionEvent, sessionStream } from './session.js';

/** Where the one public "every session ended" SessionRevoked of a user is recorded. */
export const userSessionsStream = (userId: string): string => `userSessions-${userId}`;

export interface RevokeAllDeps {
  pool: pg.Pool;
  store: PostgresEventStore;
  prisma: ReadModels;
}

export interface RevokeAllInput {
  recipient: Recipient;
  reason: RevocationReason;
  now: Date;
  /** Only sessions opened at or before this instant end (a replayed trigger spares newer ones). */
  openedBefore?: string;
  /** The triggering event's id: the announcement gets an id derived from it, so a replay is a no-op. */
  causationId?: string;
}

// A UUID (version 8, RFC 9562 "custom") derived from the trigger, for idempotent announcements.
const derivedEventId = (causationId: string): string => {
  const hex = createHash('sha256').update(`sessions-revoked:${causationId}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/**
 * Ends every live session of a user in one transaction: a SessionEnded in each session's stream
 * (with the version read, so a concurrent refresh makes us retry) and one public SessionRevoked
 * with sessionId null. Returns how many sessions ended; announces nothing when none was live.
 */
export async function revokeAllSessions(deps: RevokeAllDeps, input: RevokeAllInput): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await revokeOnce(deps, input);
    } catch (error) {
      // A replayed trigger: its announcement (and so its work) is already committed.
      if (error instanceof ConflictError && error.details?.reason === 'duplicate_event') return 0;
      if (!(error instanceof ConcurrencyError) || attempt >= 4) throw error;
    }
  }
}

async function revokeOnce(deps: RevokeAllDeps, input: RevokeAllInput): Promise<number> {
  const { recipient, reason, now } = input;
  const rows = await deps.prisma.session.findMany({
    where: { userId: recipient.userId },
    select: { id: true },
  });
  const ctx = { now, refreshTokenTtlSeconds: 0, recipient };
  const plans: Array<{ streamId: string; version: number; events: SessionEvent[] }> = [];
  for (const { id } of rows) {
    const streamId = sessionStream(id);
    const stored = await deps.store.readStream(streamId);
    const state = fold(
      sessionDecider,
      stored.map((e) => ({ type: e.type, data: e.data }) as SessionEvent),
    );
    const command = {
      type: 'EndAsPartOfAll' as const,
      data: { reason, openedBefore: input.openedBefore ?? null },
    };
    const events = sessionDecider.decide(command, state, ctx);
    if (events.length > 0) plans.push({ streamId, version: stored.at(-1)?.streamPosition ?? 0, events });
  }
  if (plans.length === 0) return 0;
  const announcement = {
    ...(input.causationId ? { id: derivedEventId(input.causationId) } : {}),
    type: 'SessionRevoked',
    data: { ...recipient, sessionId: null, reason, revokedAt: now.toISOString() },
  };
  const client = await deps.pool.connect();
  try {
    await client.query('BEGIN');
    // The announcement first: a duplicate id (replayed trigger) fails before any session is touched.
    await deps.store.appendWith(client, userSessionsStream(recipient.userId), [announcement], {
      expectedVersion: 'any',
    });
    for (const plan of plans) {
      await deps.store.appendWith(client, plan.streamId, plan.events, { expectedVersion: plan.version });
    }
    await client.query('COMMIT');
    return plans.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
