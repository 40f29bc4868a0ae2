import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConcurrencyError, NotFoundError, RateLimitedError } from './errors.js';
import { fail, ok, replyError, replySchema, unwrapReply } from './reply.js';

const schema = replySchema(z.object({ userId: z.string() }));
const throughJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('replySchema', () => {
  it('accepts both branches', () => {
    expect(schema.parse({ ok: true, data: { userId: 'u' } })).toEqual({ ok: true, data: { userId: 'u' } });
    const failed = { ok: false, error: { code: 'NOT_FOUND', message: 'gone' } };
    expect(schema.parse(failed)).toEqual(failed);
  });

  it.each([
    ['missing ok', { data: { userId: 'u' } }],
    ['ok as string', { ok: 'true', data: { userId: 'u' } }],
    ['ok without data', { ok: true }],
    ['data of the wrong shape', { ok: true, data: { userId: 1 } }],
    ['failure without error', { ok: false }],
    ['failure with unknown code', { ok: false, error: { code: 'OOPS', message: 'x' } }],
  ])('rejects %s', (_, value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });
});

describe('ok / fail / unwrapReply', () => {
  it('unwraps a successful reply', () => {
    expect(unwrapReply(ok({ userId: 'u-1' }))).toEqual({ userId: 'u-1' });
  });

  it('throws the typed AppError of a failed reply after a JSON round trip', () => {
    const reply = throughJson(fail(new RateLimitedError('slow down', 9)));
    expect(schema.safeParse(reply).success).toBe(true);
    try {
      unwrapReply(reply);
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).retryAfterSeconds).toBe(9);
    }
  });

  it('keeps ConcurrencyError recognisable across the wire', () => {
    const reply = throughJson(
      fail(new ConcurrencyError({ streamId: 's', expectedVersion: 2, actualVersion: 5 })),
    );
    expect(() => unwrapReply(reply)).toThrow(ConcurrencyError);
  });

  it('turns an unknown error into a generic INTERNAL', () => {
    const reply = fail(new TypeError('cannot read properties of undefined (reading "id")'));
    expect(replyError(reply)).toEqual({ code: 'INTERNAL', message: 'Internal error' });
  });

  it('replyError is undefined for a success and the shape for a failure', () => {
    expect(replyError(ok(1))).toBeUndefined();
    expect(replyError(fail(new NotFoundError('gone')))?.code).toBe('NOT_FOUND');
  });
});
