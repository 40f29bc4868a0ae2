import { describe, expect, it } from 'vitest';
import { StorageAccounts } from './storageAccounts.js';

const snapshot = (version: number) => ({ state: { usedBytes: 0, reservedBytes: version }, version });

describe('StorageAccounts', () => {
  it("runs one user's work in turns, even after a failure, and other users' alongside", async () => {
    const accounts = new StorageAccounts();
    const log: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = accounts.inTurn('u1', async () => {
      log.push('u1 first');
      await held;
      throw new Error('refused');
    });
    const second = accounts.inTurn('u1', async () => {
      log.push('u1 second');
    });
    await accounts.inTurn('u2', async () => {
      log.push('u2');
    });
    expect(log).toEqual(['u1 first', 'u2']);
    release();
    await expect(first).rejects.toThrow('refused');
    await second;
    expect(log).toEqual(['u1 first', 'u2', 'u1 second']);
  });

  it('remembers the newest snapshot per user and evicts the least recently written beyond its capacity', () => {
    const accounts = new StorageAccounts(2);
    accounts.remember('a', snapshot(1));
    accounts.remember('b', snapshot(1));
    accounts.remember('a', snapshot(2));
    accounts.remember('c', snapshot(1));
    expect(accounts.get('a')).toEqual(snapshot(2));
    expect(accounts.get('b')).toBeUndefined();
    accounts.forget('a');
    expect(accounts.get('a')).toBeUndefined();
  });
});
