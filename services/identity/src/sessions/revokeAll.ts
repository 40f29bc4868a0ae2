import { createHash } from 'node:crypto';
import type { MessageMeta } from '@ledgerline/contracts';
import {
  type Decider,
  handleCommand,
  type LoadedStream,
  loadStreams,
  type NewEvent,
  type PostgresEventStore,
  type StreamAppend,
} from '@ledgerline/eventsourcing';
import type { ReadModels } from '../service.js';
import { sessionDecider } from './decide.js';
import { type Recipient, type RevocationReason, type Session, sessionStream } from './session.js';

/** Where the one public "every session ended" SessionRevoked of a user is recorded. */
export const userSessionsStream = (userId: string): string => `userSessions-${userId}`;

export interface UserSessionsDeps {
  store: PostgresEventStore;
  prisma: ReadModels;
}

/** The user's sessions the read model lists, folded from their streams (for a command's prepare). */
export async function loadUserSessions(
  deps: UserSessionsDeps,
  userId: string,
): Promise<LoadedStream<Session>[]> {
  const rows = await deps.prisma.session.findMany({ where: { userId }, select: { id: true } });
  return loadStreams(
    deps.store,
    sessionDecider,
    rows.map((row) => sessionStream(row.id)),
  );
}

export interface EndAllInput {
  recipient: Recipient;
  reason: RevocationReason;
  now: Date;
  /** Only sessions opened at or before this instant end (a replayed trigger spares newer ones). */
  openedBefore?: string;
  /** The announcement's id, derived from a trigger so that handling it twice appends it once. */
  announcementId?: string;
}

/** What ending every live session of a user appends: the public announcement and each session's end. */
export interface SessionEndings {
  /** One public SessionRevoked with sessionId null; empty when no session was live. */
  announcement: NewEvent[];
  /** A SessionEnded on each live session's stream, at the version that was read. */
  ends: StreamAppend[];
}

/** Decides the end of every loaded session (pure). */
export function planSessionEndings(
  sessions: readonly LoadedStream<Session>[],
  input: EndAllInput,
): SessionEndings {
  const { recipient, reason, now } = input;
  const ctx = { now, refreshTokenTtlSeconds: 0, recipient };
  const command = {
    type: 'EndAsPartOfAll' as const,
    data: { reason, openedBefore: input.openedBefore ?? null },
  };
  const ends = sessions.flatMap(({ streamId, state, version }): StreamAppend[] => {
    const events = sessionDecider.decide(command, state, ctx);
    return events.length === 0 ? [] : [{ streamId, events, expectedVersion: version }];
  });
  if (ends.length === 0) return { announcement: [], ends };
  const announcement: NewEvent = {
    ...(input.announcementId && { id: input.announcementId }),
    type: 'SessionRevoked',
    data: { ...recipient, sessionId: null, reason, revokedAt: now.toISOString() },
  };
  return { announcement: [announcement], ends };
}

/** The appends of {@link planSessionEndings}, for a command that ends sessions beside its own events. */
export const sessionEndingAppends = (
  { announcement, ends }: SessionEndings,
  userId: string,
): StreamAppend[] =>
  announcement.length === 0
    ? []
    : [{ streamId: userSessionsStream(userId), events: announcement, expectedVersion: 'any' }, ...ends];

// The userSessions stream only records announcements: its decider appends what was planned.
const announcements: Decider<'EndAllSessions', NewEvent, null, SessionEndings> = {
  initialState: () => null,
  evolve: (state) => state,
  decide: (_command, _state, planned) => planned.announcement,
};

/**
 * Ends every live session of a user (log out everywhere) in one transaction: a SessionEnded in each
 * session's stream at the version read and one public SessionRevoked; the kernel's command loop
 * retries the whole decision when a session moved meanwhile. Returns how many sessions ended.
 */
export async function endAllSessions(
  deps: UserSessionsDeps,
  input: EndAllInput,
  meta?: Partial<MessageMeta>,
): Promise<number> {
  const userId = input.recipient.userId;
  const result = await handleCommand({
    store: deps.store,
    decider: announcements,
    streamId: userSessionsStream(userId),
    command: 'EndAllSessions',
    meta,
    retries: 4,
    prepare: async () => planSessionEndings(await loadUserSessions(deps, userId), input),
    context: (planned) => planned,
    alsoAppend: ({ prepared }) => prepared.ends,
  });
  return result.prepared.ends.length;
}

/** A UUID (version 8, RFC 9562 "custom") derived from a trigger's id, for idempotent announcements. */
export const derivedEventId = (causationId: string): string => {
  const hex = createHash('sha256').update(`sessions-revoked:${causationId}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};
