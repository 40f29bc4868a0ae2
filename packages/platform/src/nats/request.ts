import {
  HEADER,
  type MessageMeta,
  parseReply,
  parseRequest,
  type Reply,
  type ReplyDataOf,
  type RequestContract,
  type RequestOf,
  TimeoutError,
  UnavailableError,
  unwrapReply,
  ValidationError,
} from '@ledgerline/contracts';
import {
  ClosedConnectionError,
  DrainingConnectionError,
  type NatsConnection,
  TimeoutError as NatsTimeoutError,
  RequestError,
} from '@nats-io/transport-node';
import { currentDeadline, nextMeta } from '../context/messageContext.js';
import { withClientSpan } from '../telemetry/spans.js';
import { metaToNatsHeaders } from './headers.js';

export interface NatsRequestOptions {
  /** Metadata to send; defaults to a child of the current message context (or a new root). */
  readonly meta?: MessageMeta;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Sends a command or query and returns the reply data. The request is validated before sending and
 * the reply parsed with the contract; a failed reply is thrown as its AppError subclass. Nobody
 * listening → UnavailableError; no answer within `timeoutMs` → TimeoutError.
 */
export async function natsRequest<C extends RequestContract>(
  nc: NatsConnection,
  contract: C,
  payload: RequestOf<C>,
  options: NatsRequestOptions = {},
): Promise<ReplyDataOf<C>> {
  const request = parseRequest(contract, payload);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attributes = { 'messaging.system': 'nats', 'messaging.destination.name': contract.subject };
  // A CLIENT span: the request waits for its reply (the receiver's span is SERVER).
  return withClientSpan(
    `${contract.subject} request`,
    async () => {
      // The caller's deadline travels with the request (the sooner of ours and, inside a handler, the
      // deadline of the request being handled), so the receiver does not start work nobody awaits.
      const own = Date.now() + timeoutMs;
      const deadline = Math.min(own, currentDeadline() ?? own);
      const headers = metaToNatsHeaders(options.meta ?? nextMeta(), { [HEADER.deadline]: String(deadline) });
      const reply = await send(nc, contract.subject, JSON.stringify(request), headers, timeoutMs);
      const parsed = parseReply(contract, decodeJson(reply, contract.subject)) as Reply<ReplyDataOf<C>>;
      return unwrapReply(parsed);
    },
    attributes,
  );
}

async function send(
  nc: NatsConnection,
  subject: string,
  body: string,
  headers: ReturnType<typeof metaToNatsHeaders>,
  timeoutMs: number,
): Promise<string> {
  try {
    const msg = await nc.request(subject, body, { timeout: timeoutMs, headers });
    return msg.string();
  } catch (error) {
    throw mapRequestError(error, subject, timeoutMs);
  }
}

/** Translates a nats.js request failure into the AppError a caller (and the gateway) understands. */
export function mapRequestError(error: unknown, subject: string, timeoutMs: number): Error {
  if (error instanceof RequestError && error.isNoResponders()) {
    return new UnavailableError(`No service is listening on ${subject}`, { subject }, { cause: error });
  }
  if (error instanceof NatsTimeoutError || (error instanceof RequestError && isTimeout(error))) {
    return new TimeoutError(
      `No reply on ${subject} within ${timeoutMs} ms`,
      { subject, timeoutMs },
      { cause: error },
    );
  }
  if (error instanceof ClosedConnectionError || error instanceof DrainingConnectionError) {
    return new UnavailableError(
      `NATS connection is closed; cannot request ${subject}`,
      { subject },
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

function isTimeout(error: RequestError): boolean {
  return error.cause instanceof NatsTimeoutError;
}

function decodeJson(text: string, subject: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ValidationError(`Reply on ${subject} is not JSON`, { subject }, { cause });
  }
}
