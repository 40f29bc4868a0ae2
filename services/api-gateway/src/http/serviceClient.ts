import {
  isAppError,
  type ReplyDataOf,
  type RequestContract,
  type RequestOf,
  UnavailableError,
} from '@ledgerline/contracts';
import { type NatsConnection, natsRequest } from '@ledgerline/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CONFIG, NATS } from '../app/tokens.js';
import type { GatewayConfig } from '../config.js';
import { metaOf } from './messageMeta.js';

/** Sends commands and queries to the services on behalf of an HTTP request. */
@Injectable()
export class ServiceClient {
  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** The reply data; failed replies throw their AppError, silence throws Unavailable/TimeoutError. */
  send<C extends RequestContract>(
    contract: C,
    payload: RequestOf<C>,
    request: FastifyRequest,
  ): Promise<ReplyDataOf<C>> {
    return natsRequest(this.nc, contract, payload, {
      meta: metaOf(request),
      timeoutMs: this.config.NATS_REQUEST_TIMEOUT_MS,
    }).catch((error: unknown) => {
      throw isNatsFailure(error)
        ? new UnavailableError(`Request on ${contract.subject} failed`, undefined, { cause: error })
        : error;
    });
  }
}

// nats.js errors that natsRequest leaves untranslated (a request cut off by a closing or reconnecting
// connection): the service may be fine, but this answer is lost, so 503 and retry, not a 500.
function isNatsFailure(error: unknown): boolean {
  if (isAppError(error) || !(error instanceof Error)) return false;
  return /^(RequestError|ConnectionError|ClosedConnectionError|DrainingConnectionError|NoRespondersError|TimeoutError)$/.test(
    error.name,
  );
}
