import type { EventEnvelope, EventMeta } from '@ledgerline/contracts';
import type { Pool, PoolClient } from 'pg';
import { parkDeadLetter } from '../deadLetters/deadLetters.js';
import { withTransaction } from '../postgres/connections.js';
import { claimInbox, isParked } from './inbox.js';
import type { ReceivedMessage } from './parseMessage.js';

/** What a consumer's handler gets for one message, inside the transaction of its inbox row. */
export interface ConsumerContext {
  /** The transaction: write the effect with it, and it commits with the inbox row (or not at all). */
  client: PoolClient;
  /** The envelope, `data` parsed with the event's contract. */
  event: EventEnvelope;
  meta: EventMeta;
  subject: string;
  /** Deliveries of this message so far, this one included (1 on the first). */
  deliveryCount: number;
  /** Runs after the commit (before the ack); a failure is reported, never retried. */
  afterCommit(work: () => Promise<void>): void;
}

export type ConsumerHandler = (ctx: ConsumerContext) => Promise<void>;

export interface ProcessInput {
  pool: Pool;
  service: string;
  consumer: string;
  received: ReceivedMessage;
  event: EventEnvelope;
  deliveryCount: number;
  handle: ConsumerHandler;
  /** Extra statement in the same transaction (retrying a dead letter resolves it here). */
  inTransaction?: (client: PoolClient) => Promise<void>;
}

/**
 * One message in one transaction: claim the inbox row; a duplicate commits nothing else; else run
 * the handler and commit both. Returns false for a duplicate. Throws what the handler threw.
 */
export async function processOnce(
  input: ProcessInput,
): Promise<{ processed: boolean; after: Array<() => Promise<void>> }> {
  const after: Array<() => Promise<void>> = [];
  // withTransaction: a backend terminated while the handler holds the transaction (an SMTP send)
  // fails this delivery with UNAVAILABLE (nak'ed, redelivered) instead of crashing the process.
  return withTransaction(input.pool, async (client) => {
    await input.inTransaction?.(client);
    const fresh = await claimInbox(client, input.service, input.consumer, input.received.messageId);
    if (fresh) {
      await input.handle({
        client,
        event: input.event,
        meta: input.event.meta,
        subject: input.received.subject,
        deliveryCount: input.deliveryCount,
        afterCommit: (work) => after.push(work),
      });
    }
    return { processed: fresh, after: fresh ? after : [] };
  });
}

export interface ParkMessageInput {
  pool: Pool;
  service: string;
  consumer: string;
  received: ReceivedMessage;
  messageType?: string;
  error: unknown;
  attempts: number;
}

/** Parks a message the consumer cannot process, once even if the server delivers it again. */
export async function parkMessage(input: ParkMessageInput): Promise<void> {
  const { pool, service, consumer, received } = input;
  if (await isParked(pool, service, consumer, received.messageId)) return;
  const globalPosition = (received.body as { globalPosition?: unknown } | null)?.globalPosition;
  await parkDeadLetter(pool, service, {
    sourceKind: 'consumer',
    sourceName: consumer,
    messageId: received.messageId,
    messageType: input.messageType,
    globalPosition: typeof globalPosition === 'number' ? globalPosition : undefined,
    payload: { subject: received.subject, body: received.body },
    error: input.error,
    attempts: input.attempts,
  });
}
