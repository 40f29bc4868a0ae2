import { describe, expect, it } from 'vitest';
import { StorageAccounts } from './storageAccounts.js';

const snapshot = (version: number) => ({ state: { usedBytes: 0, reservedBytes: version }, version });

describe('StorageAccounts', () => {
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
