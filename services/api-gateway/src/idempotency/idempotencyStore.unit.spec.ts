import { describe, expect, it } from 'vitest';
import { fingerprintOf, stableJson } from './idempotencyStore.js';

describe('idempotency fingerprints', () => {
  it('ignores key order and undefined members', () => {
    expect(stableJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(fingerprintOf('POST', '/auth/register', { a: 1, b: 2 })).toBe(
      fingerprintOf('POST', '/auth/register', { b: 2, a: 1 }),
    );
  });

  it('differs by body, method and route', () => {
    const base = fingerprintOf('POST', '/auth/register', { a: 1 });
    expect(fingerprintOf('POST', '/auth/register', { a: 2 })).not.toBe(base);
    expect(fingerprintOf('POST', '/auth/password/forgot', { a: 1 })).not.toBe(base);
    expect(fingerprintOf('PATCH', '/auth/register', { a: 1 })).not.toBe(base);
  });
});
