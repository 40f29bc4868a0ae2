import {
  type EventContract,
  type EventEnvelope,
  eventEnvelopeSchema,
  HEADER,
  parseEventData,
  validationErrorFromZod,
} from '@ledgerline/contracts';
import type { JsMsg } from '@nats-io/jetstream';

/** Finds the contract of an event by subject and schema version (a ContractRegistry fits). */
export interface EventContractLookup {
  getEvent(typeOrSubject: string, schemaVersion?: number): EventContract | undefined;
}

/** What a consumer keeps of a delivery: enough to re-run the handler from a dead letter. */
export interface ReceivedMessage {
  subject: string;
  /** The envelope id, else the `Nats-Msg-Id` header, else `<stream>:<sequence>`. */
  messageId: string;
  body: unknown;
}

export type ParsedMessage =
  | { ok: true; event: EventEnvelope }
  | { ok: false; reason: Error; messageType?: string };

/** The subject, id and JSON body of a delivery; a body that is not JSON is kept as text. */
export function receive(msg: JsMsg): ReceivedMessage {
  const text = msg.string();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { unparsedText: text.slice(0, 10_000) };
  }
  const envelopeId = (body as { id?: unknown } | null)?.id;
  const messageId =
    typeof envelopeId === 'string' && envelopeId.length > 0
      ? envelopeId
      : (msg.headers?.get(HEADER.natsMsgId) ?? '') || `${msg.info.stream}:${msg.info.streamSequence}`;
  return { subject: msg.subject, messageId, body };
}

/**
 * Parses a received message with its contract: the envelope, then `data` with the schema of the
 * event's type and version. Every failure names its reason, for the dead letter.
 */
export function parseReceived(message: ReceivedMessage, contracts: EventContractLookup): ParsedMessage {
  if (isUnparsed(message.body)) return { ok: false, reason: new Error('message body is not valid JSON') };
  const envelope = eventEnvelopeSchema.safeParse(message.body);
  if (!envelope.success)
    return { ok: false, reason: validationErrorFromZod(envelope.error, 'event envelope') };
  const { type, schemaVersion } = envelope.data;
  const contract = lookup(contracts, message.subject, schemaVersion);
  if (!contract || contract.type !== type) {
    const reason = new Error(`no contract for ${type} v${schemaVersion} on ${message.subject}`);
    return { ok: false, reason, messageType: type };
  }
  try {
    return { ok: true, event: { ...envelope.data, data: parseEventData(contract, envelope.data.data) } };
  } catch (error) {
    return { ok: false, reason: error as Error, messageType: type };
  }
}

const isUnparsed = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && 'unparsedText' in body && Object.keys(body).length === 1;

function lookup(contracts: EventContractLookup, subject: string, version: number) {
  try {
    return contracts.getEvent(subject, version);
  } catch {
    return undefined;
  }
}
