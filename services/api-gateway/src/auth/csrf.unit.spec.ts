import { describe, expect, it } from 'vitest';
import { checkCsrf } from './csrf.js';

const allowed = new Set(['https://app.example.test']);
const good = {
  cookieToken: 'token-1234567890',
  headerToken: 'token-1234567890',
  origin: 'https://app.example.test',
  referer: undefined,
};

describe('checkCsrf', () => {
  it('accepts a matching token pair from an allowed origin', () => {
    expect(checkCsrf(good, allowed)).toEqual({ ok: true });
  });

  it('falls back to the Referer origin when Origin is absent', () => {
    expect(
      checkCsrf({ ...good, origin: undefined, referer: 'https://app.example.test/settings?x=1' }, allowed).ok,
    ).toBe(true);
  });

  it.each([
    ['a missing header token', { headerToken: undefined }, 'CSRF token missing'],
    ['a missing cookie', { cookieToken: undefined }, 'CSRF token missing'],
    ['a mismatched token', { headerToken: 'token-0000000000' }, 'CSRF token mismatch'],
    ['a token of another length', { headerToken: 'short' }, 'CSRF token mismatch'],
    ['a foreign origin', { origin: 'https://evil.example' }, 'Origin not allowed'],
    ['no Origin nor Referer', { origin: undefined }, 'Origin or Referer header required'],
    [
      'an unparsable Referer',
      { origin: undefined, referer: 'not a url' },
      'Origin or Referer header required',
    ],
  ])('refuses %s', (_name, change, reason) => {
    expect(checkCsrf({ ...good, ...change }, allowed)).toEqual({ ok: false, reason });
  });
});
