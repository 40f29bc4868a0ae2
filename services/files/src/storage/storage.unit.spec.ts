import { ValidationError } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { decideStorage, evolveStorage, initialStorage, type StorageEvent } from './storage.js';

const userId = '01900000-0000-7000-8000-0000000000a1';
const fold = (events: StorageEvent[]) => events.reduce(evolveStorage, initialStorage());
const reserved = (fileId: string, bytes: number): StorageEvent => ({
  type: 'StorageReserved',
  data: { userId, fileId, bytes },
});

describe('Storage decider (quota)', () => {
  it('reserves within the quota and refuses beyond it with the numbers', () => {
    const state = fold([reserved('a', 600)]);
    const reserve = (fileId: string, bytes: number) =>
      decideStorage({ type: 'Reserve', data: { userId, fileId, bytes, quotaBytes: 1000 } }, state);
    expect(reserve('b', 400)).toEqual([reserved('b', 400)]);
    let error: unknown;
    try {
      reserve('b', 401);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual({
      reason: 'quota_exceeded',
      quotaBytes: 1000,
      usedBytes: 0,
      reservedBytes: 600,
      requestedBytes: 401,
    });
  });

  it('moves committed bytes from reserved to used and releases either', () => {
    const committed: StorageEvent = { type: 'StorageCommitted', data: { userId, fileId: 'a', bytes: 600 } };
    expect(
      decideStorage(
        { type: 'Commit', data: { userId, fileId: 'a', bytes: 600 } },
        fold([reserved('a', 600)]),
      ),
    ).toEqual([committed]);
    const state = fold([reserved('a', 600), committed, reserved('b', 10)]);
    expect(state).toEqual({ usedBytes: 600, reservedBytes: 10 });
    const released = fold([
      reserved('a', 600),
      committed,
      reserved('b', 10),
      { type: 'StorageReleased', data: { userId, fileId: 'a', bytes: 600, from: 'used' } },
      { type: 'StorageReleased', data: { userId, fileId: 'b', bytes: 10, from: 'reserved' } },
    ]);
    expect(released).toEqual({ usedBytes: 0, reservedBytes: 0 });
  });
});
