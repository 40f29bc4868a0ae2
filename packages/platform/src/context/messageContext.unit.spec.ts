import type { MessageMeta } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import {
  childMeta,
  currentDeadline,
  currentMessageContext,
  newRootMeta,
  nextMeta,
  runWithMessageContext,
} from './messageContext.js';
import { uuidv7 } from './uuidv7.js';

describe('message context', () => {
  it('is visible across awaits inside runWithMessageContext and absent outside', async () => {
    const meta = newRootMeta({ type: 'user', id: 'u1' });
    const seen = await runWithMessageContext(meta, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentMessageContext();
    });
    expect(seen).toBe(meta);
    expect(currentMessageContext()).toBeUndefined();
  });

  it('starts a root with one id for request, correlation and causation', () => {
    const root = newRootMeta({ type: 'anonymous' });
    expect(root.correlationId).toBe(root.requestId);
    expect(root.causationId).toBe(root.requestId);
  });

  it('derives a child that keeps request, correlation and actor and points causation at the parent', () => {
    const parent: MessageMeta = { ...newRootMeta({ type: 'user', id: 'u1' }), idempotencyKey: 'k1' };
    const child = childMeta(parent, { causationId: 'event-1' });
    expect(child).toMatchObject({
      requestId: parent.requestId,
      correlationId: parent.correlationId,
      causationId: 'event-1',
      actor: { type: 'user', id: 'u1' },
    });
    expect(child.idempotencyKey).toBeUndefined();
    expect(childMeta(parent).causationId).toBe(parent.requestId);
  });

  it('nextMeta is a child inside a handler and a new root outside', () => {
    const parent = newRootMeta({ type: 'service', id: 'billing' });
    const inside = runWithMessageContext(parent, () => nextMeta());
    expect(inside.correlationId).toBe(parent.correlationId);
    expect(nextMeta().correlationId).not.toBe(parent.correlationId);
  });

  it('carries the caller deadline beside the meta, never inside it', () => {
    const meta = newRootMeta();
    const seen = runWithMessageContext(meta, () => ({ deadline: currentDeadline(), meta: nextMeta() }), 1234);
    expect(seen.deadline).toBe(1234);
    expect(Object.values(seen.meta)).not.toContain(1234);
    expect(runWithMessageContext(newRootMeta(), () => currentDeadline())).toBeUndefined();
    expect(currentDeadline()).toBeUndefined();
  });
});

describe('uuidv7', () => {
  it('is a version 7, RFC variant UUID that sorts by time', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    expect(a.slice(0, 13).replace('-', '')).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
  });
});
