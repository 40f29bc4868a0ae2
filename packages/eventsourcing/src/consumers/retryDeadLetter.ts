import { NotFoundError } from '@ledgerline/contracts';
import type { Pool } from 'pg';
import { getDeadLetter, resolveDeadLetter } from '../deadLetters/deadLetters.js';
import { type EventContractLookup, parseReceived, type ReceivedMessage } from './parseMessage.js';
import { type ConsumerHandler, processOnce } from './processMessage.js';

export interface RetryConsumerDeadLetterOptions {
  pool: Pool;
  service: string;
  /** The dead letter's id. */
  id: string;
  /** Handlers by consumer name: the one the dead letter came from runs. */
  consumers: Record<string, { messages: EventContractLookup; handle: ConsumerHandler }>;
}

class AlreadyResolved extends Error {}

/**
 * Re-runs the (fixed) handler for a parked consumer message once: the dead letter is resolved in
 * the handler's transaction, with the inbox row, so a second retry finds it resolved and returns
 * false. A message that still fails to parse or to handle throws and stays parked.
 */
export async function retryConsumerDeadLetter(options: RetryConsumerDeadLetterOptions): Promise<boolean> {
  const { pool, service, id } = options;
  const letter = await getDeadLetter(pool, service, id);
  if (letter?.sourceKind !== 'consumer') throw new NotFoundError(`no consumer dead letter ${id}`);
  const consumer = options.consumers[letter.sourceName];
  if (!consumer) throw new NotFoundError(`consumer ${letter.sourceName} is not registered in ${service}`);
  const stored = letter.payload as { subject: string; body: unknown };
  const received: ReceivedMessage = {
    subject: stored.subject,
    messageId: letter.messageId,
    body: stored.body,
  };
  const parsed = parseReceived(received, consumer.messages);
  if (!parsed.ok) throw parsed.reason;
  try {
    await processOnce({
      pool,
      service,
      consumer: letter.sourceName,
      received,
      event: parsed.event,
      deliveryCount: letter.attempts + 1,
      handle: consumer.handle,
      inTransaction: async (client) => {
        if (!(await resolveDeadLetter(client, service, id, 'retried'))) throw new AlreadyResolved();
      },
    });
    return true;
  } catch (error) {
    if (error instanceof AlreadyResolved) return false;
    throw error;
  }
}
