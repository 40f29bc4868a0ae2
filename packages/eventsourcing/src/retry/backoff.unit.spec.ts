import { describe, expect, it } from 'vitest';
import { backoffDelay, HandlerError, isPoisonError } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap, scaled by jitter', () => {
    const full = () => 1;
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, 100, 1000, full))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(3, 100, 1000, () => 0.5)).toBe(200);
    expect(backoffDelay(3, 100, 1000, () => 0)).toBe(0);
  });
});

describe('isPoisonError', () => {
  it('treats data and integrity errors and handler errors as poison', () => {
    expect(isPoisonError({ code: '23502' })).toBe(true);
    expect(isPoisonError({ code: '22P02' })).toBe(true);
    expect(isPoisonError(new HandlerError('e-1', new Error('boom')))).toBe(true);
  });

  it('treats connection, shutdown and deadlock errors as transient', () => {
    expect(isPoisonError({ code: '57P01' })).toBe(false);
    expect(isPoisonError({ code: '40P01' })).toBe(false);
    expect(isPoisonError({ code: 'ECONNRESET' })).toBe(false);
    expect(isPoisonError(new Error('socket hang up'))).toBe(false);
  });

  it('keeps the cause and names the message', () => {
    const error = new HandlerError('e-7', new Error('bad row'));
    expect(error.message).toBe('handler failed on e-7: bad row');
    expect((error.cause as Error).message).toBe('bad row');
  });
});
