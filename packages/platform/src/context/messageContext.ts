import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessageMeta } from '@ledgerline/contracts';
import { uuidv7 } from './uuidv7.js';

const storage = new AsyncLocalStorage<MessageMeta>();
// The caller's deadline (epoch ms, from the `ll-deadline` header) of the message being handled. Kept
// beside the meta, not in it: a deadline belongs to one request/reply exchange and must never be
// stamped on events (a consumer reading an event days later would see it long past).
const deadlines = new WeakMap<MessageMeta, number>();

/**
 * Runs `fn` with `meta` as the current message context (visible to logs, outgoing messages) and,
 * when given, the caller's deadline (epoch ms) after which nobody waits for the reply.
 */
export function runWithMessageContext<T>(meta: MessageMeta, fn: () => T, deadline?: number): T {
  if (deadline !== undefined && Number.isFinite(deadline)) deadlines.set(meta, deadline);
  return storage.run(meta, fn);
}

/** The metadata of the message being handled, or undefined outside a handler. */
export function currentMessageContext(): MessageMeta | undefined {
  return storage.getStore();
}

/**
 * The deadline (epoch ms) of the request being handled, when its caller sent one: work for it that
 * has not started by then is wasted (the caller has given up), so a handler should not start it.
 */
export function currentDeadline(): number | undefined {
  const meta = storage.getStore();
  return meta === undefined ? undefined : deadlines.get(meta);
}

/**
 * Metadata for a message caused by `parent`: same requestId, correlationId, actor and trace; the
 * causationId is the causing message's id. Pass it (an event id) in `overrides.causationId`; a
 * command has no id of its own, so its requestId stands in. The idempotency key is not inherited:
 * each outgoing message derives its own.
 */
export function childMeta(parent: MessageMeta, overrides: Partial<MessageMeta> = {}): MessageMeta {
  const { idempotencyKey: _notInherited, ...inherited } = parent;
  return { ...inherited, causationId: parent.requestId, ...overrides };
}

/** Metadata that starts a new conversation: requestId = correlationId = causationId. */
export function newRootMeta(actor: MessageMeta['actor'] = { type: 'system' }): MessageMeta {
  const id = uuidv7();
  return { requestId: id, correlationId: id, causationId: id, actor };
}

/** The current context's child when inside a handler, else a new root for `actor`. */
export function nextMeta(actor: MessageMeta['actor'] = { type: 'system' }): MessageMeta {
  const parent = currentMessageContext();
  return parent ? childMeta(parent) : newRootMeta(actor);
}
