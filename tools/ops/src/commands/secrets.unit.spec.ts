import { describe, expect, it } from 'vitest';
import { generateSecret, parseByteCount } from './secrets.js';

describe('generateSecret', () => {
  it('encodes N bytes as 2N hex characters', () => {
    expect(generateSecret(32, 'hex')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('encodes base64 and base64url that decode back to N bytes', () => {
    expect(Buffer.from(generateSecret(48, 'base64'), 'base64')).toHaveLength(48);
    const url = generateSecret(33, 'base64url');
    expect(url).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(url, 'base64url')).toHaveLength(33);
  });

  it('never repeats', () => {
    expect(generateSecret(16, 'hex')).not.toBe(generateSecret(16, 'hex'));
  });
});

describe('parseByteCount', () => {
  it('accepts whole numbers from 1 to 4096', () => {
    expect(parseByteCount('1')).toBe(1);
    expect(parseByteCount('4096')).toBe(4096);
  });

  it.each(['0', '-1', '1.5', 'abc', '4097', ''])('refuses %j', (value) => {
    expect(() => parseByteCount(value)).toThrow(/whole number of bytes/);
  });
});
