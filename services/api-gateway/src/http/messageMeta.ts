import { type Actor, type MessageMeta, traceparentSchema } from '@ledgerline/contracts';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './requestState.js';

/** The acting principal as NATS headers carry it. */
export function actorOf(principal: Principal | undefined): Actor {
  return principal
    ? { type: 'user', id: principal.userId, roles: [...principal.roles], tier: principal.tier }
    : { type: 'anonymous' };
}

/**
 * Metadata for the message an HTTP request causes: the request id starts the conversation (request,
 * correlation and causation ids), the actor comes from the verified token only, and a valid incoming
 * W3C traceparent is propagated so the trace continues into the service.
 */
export function metaOf(request: FastifyRequest): MessageMeta {
  const id = request.gw.requestId;
  const meta: MessageMeta = {
    requestId: id,
    correlationId: id,
    causationId: id,
    actor: actorOf(request.gw.principal),
  };
  const traceparent = request.headers.traceparent;
  if (typeof traceparent === 'string' && traceparentSchema.safeParse(traceparent).success) {
    meta.traceparent = traceparent;
  }
  return meta;
}
