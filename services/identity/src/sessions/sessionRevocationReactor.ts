import { defineReactor, loadStreams, quoteIdent, schemasOf } from '@ledgerline/eventsourcing';
import type { PoolClient } from 'pg';
import type { AccountEvent } from '../accounts/account.js';
import { sessionDecider } from './decide.js';
import { revocationFor } from './revocationTriggers.js';
import { derivedEventId, planSessionEndings, sessionEndingAppends } from './revokeAll.js';
import { sessionStream } from './session.js';

type Trigger = Extract<AccountEvent, { type: 'PasswordChanged' | 'UserDeactivated' }>;

/**
 * The backstop of "sessions die with the password". The commands that change a password or
 * deactivate an account end every session themselves, before they reply, in the same transaction
 * (accountsDeps.ts). This reactor follows the log and ends what a command could not see: a session
 * opened concurrently with the change (before it, by time) and, after an upgrade, triggers that
 * were recorded before the commands did it themselves. Its checkpoint (`reactor:session-revocations`)
 * is new, so its first run reads the log from the start once; that is safe, because effects are
 * idempotent: only sessions opened up to the trigger end (ended ones decide nothing), and the
 * announcement's id is derived from the trigger's.
 */
export const sessionRevocationReactor = defineReactor<Trigger>({
  name: 'session-revocations',
  canHandle: ['PasswordChanged', 'UserDeactivated'],
  async react(event, ctx) {
    const request = revocationFor(event);
    if (!request) return;
    // The read model lives beside the event store (`<schema>_rm`); read in the effect's transaction.
    const schema = ctx.store.schema.replace(/_es$/, '');
    const { readModel } = schemasOf(schema);
    const sessions = await ctx.client.query<{ id: string }>(
      `select id from ${quoteIdent(readModel)}.sessions where "userId" = $1`,
      [request.userId],
    );
    if (sessions.rows.length === 0) return;
    const loaded = await loadStreams(
      ctx.store,
      sessionDecider,
      sessions.rows.map((row) => sessionStream(row.id)),
    );
    const recipient = request.recipient ?? (await recipientOf(ctx.client, readModel, request.userId, event));
    const planned = planSessionEndings(loaded, {
      recipient,
      reason: request.reason,
      now: ctx.now,
      openedBefore: request.openedBefore,
      announcementId: derivedEventId(event.id),
    });
    const appends = sessionEndingAppends(planned, request.userId);
    if (appends.length > 0) await ctx.appendMany(appends, { meta: { ...event.meta, causationId: event.id } });
  },
});

// UserDeactivated names only the address: the rest of the recipient comes from the read model.
async function recipientOf(client: PoolClient, readModel: string, userId: string, event: { data: unknown }) {
  const { rows } = await client.query<{ displayName: string; locale: string }>(
    `select "displayName", locale from ${quoteIdent(readModel)}.login_accounts where id = $1`,
    [userId],
  );
  const email = (event.data as { email: string }).email;
  return { userId, email, displayName: rows[0]?.displayName ?? email, locale: rows[0]?.locale ?? 'en' };
}
