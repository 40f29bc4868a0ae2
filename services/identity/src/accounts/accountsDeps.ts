import type { MessageMeta } from '@ledgerline/contracts';
import {
  type HandleCommandResult,
  handleCommand,
  type LoadedStream,
  type PostgresEventStore,
  StreamStateCache,
} from '@ledgerline/eventsourcing';
import type { IdentityContext, ReadModels } from '../service.js';
import { revocationFor } from '../sessions/revocationTriggers.js';
import { loadUserSessions, planSessionEndings, sessionEndingAppends } from '../sessions/revokeAll.js';
import type { Session } from '../sessions/session.js';
import type { AfterReplyQueue } from '../shared/afterReply.js';
import { assertCallerWaiting } from '../shared/deadline.js';
import type { PasswordHasher } from '../shared/passwords.js';
import type { Account, AccountEvent } from './account.js';
import { accountStreamId } from './account.js';
import { type AccountCommand, accountDecider } from './decide.js';

/** What the accounts use cases need: no more than these. */
export interface AccountsDeps {
  store: PostgresEventStore;
  prisma: ReadModels;
  passwords: PasswordHasher;
  /** MESSAGE_SEAL_KEY: seals the tokens that public events carry to the notifier. */
  sealKey: string;
  /** The time decisions are made at; tests move it to expire tokens. */
  clock: () => Date;
  /** Folded accounts between commands, so a command reads only what was appended since. */
  states: StreamStateCache<Account>;
  /** Work that runs after the reply (requests whose reply must not depend on the account). */
  afterReply: AfterReplyQueue;
  /** RegisterUser's reply waits until this many ms after it started (0: no floor). */
  registrationReplyFloorMs?: number;
}

/** Accounts dependencies from the service context. */
export const accountsDeps = (ctx: IdentityContext, clock: () => Date = () => new Date()): AccountsDeps => ({
  store: ctx.store,
  prisma: ctx.readModels,
  passwords: ctx.resources.passwords,
  sealKey: ctx.config.MESSAGE_SEAL_KEY,
  clock,
  states: new StreamStateCache<Account>(),
  afterReply: ctx.resources.afterReply,
  registrationReplyFloorMs: ctx.config.REGISTRATION_REPLY_FLOOR_MS,
});

/** Event metadata from the message being handled (ids, actor, trace), when there is one. */
export const eventMeta = (meta: MessageMeta | undefined): Partial<MessageMeta> | undefined => {
  if (meta === undefined) return undefined;
  const { idempotencyKey: _key, ...rest } = meta;
  return rest;
};

export interface RunOptions {
  meta?: MessageMeta | undefined;
  /** Claims the normalised e-mail when the command opens an account. */
  reserveEmail?: string;
}

/** Loads the account, decides and appends (retrying once on a concurrent write). */
export async function runAccountCommand(
  deps: AccountsDeps,
  userId: string,
  command: AccountCommand,
  options: RunOptions = {},
): Promise<AccountEvent[]> {
  return (await accountCommand(deps, userId, command, options)).events;
}

// Commands whose events end every session of the user (revocationTriggers.ts says which events).
const ENDS_SESSIONS: ReadonlySet<AccountCommand['type']> = new Set([
  'ResetPassword',
  'ChangePassword',
  'DeactivateAccount',
]);

/**
 * As runAccountCommand, answering the whole result (with the read-model rows the append wrote).
 * A password change or reset and a deactivation end every session of the user in the SAME
 * transaction as their events (one multi-stream append): when the reply leaves, no old refresh
 * token refreshes and /me/sessions lists none. A session that moved meanwhile is a conflict, and
 * the kernel's loop decides it all again.
 */
export function accountCommand(
  deps: AccountsDeps,
  userId: string,
  command: AccountCommand,
  options: RunOptions = {},
): Promise<HandleCommandResult<AccountEvent, Account, readonly LoadedStream<Session>[]>> {
  const endsSessions = ENDS_SESSIONS.has(command.type);
  let now = deps.clock();
  return handleCommand({
    store: deps.store,
    decider: accountDecider,
    streamId: accountStreamId(userId),
    command,
    retries: endsSessions ? 3 : 1,
    cache: deps.states,
    meta: eventMeta(options.meta),
    // Only these commands load the sessions (others keep the speculative, read-free first try).
    ...(endsSessions && { prepare: () => loadUserSessions(deps, userId) }),
    context: () => {
      // Right before deciding and appending (after any hash): nothing is written for a caller that
      // has stopped waiting, so a retry finds the state it left, not a registration it never heard of.
      assertCallerWaiting();
      now = deps.clock();
      return { now };
    },
    alsoAppend: ({ events, next, prepared }) => {
      if (!endsSessions || next.status === 'none') return [];
      const trigger = events.map(revocationFor).find((request) => request !== null);
      if (!trigger || !prepared) return [];
      const recipient = { userId, email: next.email, displayName: next.displayName, locale: next.locale };
      return sessionEndingAppends(
        planSessionEndings(prepared, { recipient, reason: trigger.reason, now }),
        userId,
      );
    },
    reservations: (events) =>
      options.reserveEmail !== undefined && events.some((e) => e.type === 'UserRegistered')
        ? { reserve: [{ scope: 'email', value: options.reserveEmail }] }
        : {},
  });
}
