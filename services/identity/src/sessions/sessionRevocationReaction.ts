import {
  type PostgresEventStore,
  positionOf,
  type RecordedEvent,
  readPosition,
  type Subscription,
  schemasOf,
  writePosition,
} from '@ledgerline/eventsourcing';
import type { Logger } from '@ledgerline/platform';
import type pg from 'pg';
import { findLoginAccountById } from '../accounts/loginAccounts.js';
import type { ReadModels } from '../infrastructure/readModels.js';
import { revocationFor } from './revocationTriggers.js';
import { revokeAllSessions } from './revokeAll.js';

export interface SessionRevocationReactionOptions {
  pool: pg.Pool;
  store: PostgresEventStore;
  prisma: ReadModels;
  service: string;
  logger?: Logger;
  /** The reader's name in `<service>_es.positions`. */
  name?: string;
  /** Wait before resubscribing after a failure. */
  retryDelayMs?: number;
}

/**
 * Ends every session of a user when accounts records PasswordChanged or UserDeactivated. A
 * checkpointed catch-up subscription on identity's own log (durable: no in-memory bus). Each
 * trigger is handled at least once and in effect once: its announcement's event id is derived
 * from the trigger's, and a replay only touches sessions opened before the trigger.
 */
export class SessionRevocationReaction {
  private subscription: Subscription | undefined;
  private stopped = true;
  private retry: NodeJS.Timeout | undefined;
  private readonly name: string;
  private readonly schema: string;

  constructor(private readonly options: SessionRevocationReactionOptions) {
    this.name = options.name ?? 'session-revocations';
    this.schema = schemasOf(options.service).eventStore;
  }

  /** Revokes what one event asks for; returns how many sessions ended. */
  async handle(event: Pick<RecordedEvent, 'id' | 'type' | 'data'>, now = new Date()): Promise<number> {
    const request = revocationFor(event);
    if (!request) return 0;
    const recipient = request.recipient ?? (await this.lookUpRecipient(request.userId, event));
    return revokeAllSessions(this.options, {
      recipient,
      reason: request.reason,
      now,
      openedBefore: request.openedBefore,
      causationId: event.id,
    });
  }

  /** Subscribes from the stored position; resubscribes after a failure. */
  async start(): Promise<void> {
    this.stopped = false;
    const after = await readPosition(this.options.pool, this.schema, this.name);
    this.subscription = this.options.store.subscribe({
      after,
      onBatch: async (events) => {
        for (const event of events) await this.handle(event);
        await writePosition(this.options.pool, this.schema, this.name, positionOf(events.at(-1)!));
      },
      onError: (error) => {
        this.options.logger?.error({ err: error }, 'session revocation reaction failed; retrying');
        this.scheduleRestart();
      },
    });
  }

  private scheduleRestart(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.start().catch((error) => {
        this.options.logger?.error({ err: error }, 'session revocation reaction cannot start; retrying');
        this.scheduleRestart();
      });
    }, this.options.retryDelayMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.subscription?.stop();
  }

  private async lookUpRecipient(userId: string, event: Pick<RecordedEvent, 'data'>) {
    const account = await findLoginAccountById(this.options.prisma, userId);
    if (account)
      return { userId, email: account.email, displayName: account.displayName, locale: account.locale };
    // The read model lags or lost the row: the trigger still names the address.
    const email = (event.data as { email: string }).email;
    return { userId, email, displayName: email, locale: 'en' };
  }
}
