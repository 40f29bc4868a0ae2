import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessageMeta } from '@ledgerline/contracts';
import { uuidv7 } from './uuidv7.js';

const storage = new AsyncLocalStorage<MessageMeta>();

/** Runs `fn` with `meta` as the current message context (visible to logs, outgoing messages). */
export function runWithMessageContext<T>(meta: MessageMeta, fn: () => T): T {
  return storage.run(meta, fn);
}

/** The metadata of the message being handled, or undefined outside a handler. */
export function currentMessageContext(): MessageMeta | undefined {
  return storage.getStore();
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
