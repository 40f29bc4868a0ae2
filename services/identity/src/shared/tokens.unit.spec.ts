import { describe, expect, it } from 'vitest';
import { constantTimeEquals, hashToken, issueToken, randomToken } from './tokens.js';

describe('tokens', () => {
  it('are random, URL-safe and 256 bits', () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(a);
  });

  it('are stored as sha256 hex, never as themselves', () => {
    const { token, hash } = issueToken();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashToken(token));
    expect(hash).not.toContain(token);
  });

  it('compare in constant time, including different lengths', () => {
    expect(constantTimeEquals('abc', 'abc')).toBe(true);
    expect(constantTimeEquals('abc', 'abd')).toBe(false);
    expect(constantTimeEquals('abc', 'abcd')).toBe(false);
  });
});
