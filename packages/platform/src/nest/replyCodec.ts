import { randomUUID } from 'node:crypto';
import { fail, InternalError, isErrorShape, ok } from '@ledgerline/contracts';
import type { Msg } from '@nats-io/transport-node';
import type {
  ConsumerDeserializer,
  ConsumerSerializer,
  IncomingEvent,
  IncomingRequest,
  OutgoingResponse,
} from '@nestjs/microservices';

/**
 * Ledgerline's wire format is the bare JSON payload (metadata travels in headers), not Nest's
 * `{ pattern, data, id }` packet, so any NATS client can call a service. A message with a reply
 * subject is a request; Nest needs an id for it, which never leaves this process.
 */
export class PlainJsonDeserializer implements ConsumerDeserializer {
  deserialize(msg: Msg, options?: Record<string, unknown>): IncomingRequest | IncomingEvent {
    const pattern = typeof options?.channel === 'string' ? options.channel : msg.subject;
    const data = decode(msg);
    return msg.reply ? { pattern, data, id: randomUUID() } : { pattern, data };
  }
}

// A body that is not JSON is handed on as a string: the contract parse then rejects it as VALIDATION.
function decode(msg: Msg): unknown {
  if (msg.data.length === 0) return undefined;
  const text = msg.string();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Turns Nest's response packet into the wire reply `{ ok: true, data } | { ok: false, error }`. */
export class ReplySerializer implements ConsumerSerializer {
  serialize(packet: OutgoingResponse): { data: string } {
    return { data: JSON.stringify(toReply(packet)) };
  }
}

/** True for the trailing "stream completed" packet, which carries nothing worth a second reply. */
export function isDisposeOnly(packet: OutgoingResponse): boolean {
  return packet.isDisposed === true && !('response' in packet) && packet.err === undefined;
}

function toReply(packet: OutgoingResponse): unknown {
  if (packet.err !== undefined) {
    // ReplyExceptionFilter hands over error shapes; anything else is Nest's own (e.g. no handler).
    return fail(isErrorShape(packet.err) ? packet.err : new InternalError(describe(packet.err)));
  }
  const response: unknown = packet.response;
  return isReply(response) ? response : ok(response ?? null);
}

// Handlers built with handleMessage already return a reply; plain handlers return bare data.
function isReply(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || typeof (value as { ok?: unknown }).ok !== 'boolean') {
    return false;
  }
  return (value as { ok: boolean }).ok ? 'data' in value : 'error' in value;
}

function describe(err: unknown): string {
  if (typeof err === 'string') return err;
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : 'Internal error';
}
