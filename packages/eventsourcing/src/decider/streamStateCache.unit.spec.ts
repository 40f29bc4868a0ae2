import { describe, expect, it } from 'vitest';
import { StreamStateCache } from './streamStateCache.js';

describe('StreamStateCache', () => {
  it('keeps the most recently used streams up to its limit', () => {
    const cache = new StreamStateCache<string>(2);
    cache.set('a', 'A', 1);
    cache.set('b', 'B', 1);
    expect(cache.get('a')).toEqual({ state: 'A', version: 1 }); // a is now the most recent
    cache.set('c', 'C', 1);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.state).toBe('A');
    expect(cache.size).toBe(2);
  });

  it('replaces a stream’s entry with its newer state', () => {
    const cache = new StreamStateCache<number>();
    cache.set('s', 1, 1);
    cache.set('s', 3, 3);
    expect(cache.get('s')).toEqual({ state: 3, version: 3 });
  });
});
