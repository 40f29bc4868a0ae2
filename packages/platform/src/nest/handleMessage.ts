import {
  type FailedReply,
  fail,
  isAppError,
  type MessageMeta,
  ok,
  parseRequest,
  type ReplyDataOf,
  type RequestContract,
  type RequestOf,
  type SuccessfulReply,
  UnavailableError,
} from '@ledgerline/contracts';
import { asUnavailable } from '@ledgerline/eventsourcing';
import type { Logger } from 'pino';
import { currentDeadline, currentMessageContext } from '../context/messageContext.js';
import { createLogger } from '../logging/createLogger.js';

export type MessageHandlerFn<C extends RequestContract> = (
  request: RequestOf<C>,
  meta: MessageMeta | undefined,
) => Promise<ReplyDataOf<C>> | ReplyDataOf<C>;

export type HandlerReply<C extends RequestContract> = SuccessfulReply<ReplyDataOf<C>> | FailedReply;

let defaultLogger: Logger | undefined;

/** Sets the logger handleMessage uses for unexpected errors when none is passed (createService does). */
export function setHandlerLogger(logger: Logger): void {
  defaultLogger = logger;
}

/**
 * The thin transport adapter: parse the payload with the contract, run `fn`, map the outcome to a
 * reply. Never throws: bad input is a VALIDATION reply, AppErrors keep their code, anything else is
 * logged and replied as INTERNAL. The reply data is parsed too, so a bug cannot leak extra fields.
 * A request whose caller has already given up (its deadline travels in the headers) starts nothing.
 */
export async function handleMessage<C extends RequestContract>(
  contract: C,
  payload: unknown,
  fn: MessageHandlerFn<C>,
  logger?: Logger,
): Promise<HandlerReply<C>> {
  try {
    const request = parseRequest(contract, payload);
    const deadline = currentDeadline();
    if (deadline !== undefined && Date.now() >= deadline) {
      throw new UnavailableError('the caller gave up before the handler started');
    }
    const data = await fn(request, currentMessageContext());
    return ok(contract.reply.parse(data) as ReplyDataOf<C>);
  } catch (error) {
    if (!isAppError(error)) logOf(logger).error({ err: error, subject: contract.subject }, 'handler failed');
    // A lost database connection (pg or Prisma) is UNAVAILABLE (503 + Retry-After), not INTERNAL.
    return fail(asUnavailable(error));
  }
}

/** A `@MessagePattern` method body for `contract`: `return replyTo(contract, fn)(payload)`. */
export function replyTo<C extends RequestContract>(contract: C, fn: MessageHandlerFn<C>, logger?: Logger) {
  return (payload: unknown): Promise<HandlerReply<C>> => handleMessage(contract, payload, fn, logger);
}

function logOf(logger: Logger | undefined): Logger {
  defaultLogger ??= createLogger({ service: 'platform' });
  return logger ?? defaultLogger;
}
