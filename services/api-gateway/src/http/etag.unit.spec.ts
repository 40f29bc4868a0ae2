import { describe, expect, it } from 'vitest';
import { cacheControlFor, etagOf, ifNoneMatchMatches } from './etag.js';

describe('ETags', () => {
  it('is a quoted hash that depends only on the body', () => {
    expect(etagOf('{"a":1}')).toBe(etagOf(Buffer.from('{"a":1}')));
    expect(etagOf('{"a":1}')).not.toBe(etagOf('{"a":2}'));
    expect(etagOf('x')).toMatch(/^"[A-Za-z0-9_-]+"$/);
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    const tag = etagOf('body');
    expect(ifNoneMatchMatches(tag, tag)).toBe(true);
    expect(ifNoneMatchMatches(`"other", W/${tag}`, tag)).toBe(true);
    expect(ifNoneMatchMatches('*', tag)).toBe(true);
    expect(ifNoneMatchMatches('"other"', tag)).toBe(false);
    expect(ifNoneMatchMatches(undefined, tag)).toBe(false);
  });

  it('builds Cache-Control per route', () => {
    expect(cacheControlFor(false, 0)).toBe('private, max-age=0');
    expect(cacheControlFor(true, 300)).toBe('public, max-age=300');
  });
});
