import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { seal, unseal } from './sealed.js';

const key = randomBytes(32).toString('hex');

describe('sealed secrets', () => {
  it('round-trips under the same key and context, and hides the plaintext', () => {
    const sealed = seal(key, 'token-123', 'EmailVerificationRequested');
    expect(sealed).not.toContain('token-123');
    expect(unseal(key, sealed, 'EmailVerificationRequested')).toBe('token-123');
    expect(seal(key, 'token-123')).not.toBe(seal(key, 'token-123'));
  });

  it('accepts a base64 key as well as hex', () => {
    const b64 = randomBytes(32).toString('base64');
    expect(unseal(b64, seal(b64, 'x'))).toBe('x');
  });

  it('refuses a wrong key, a wrong context, a tampered value and a short key', () => {
    const sealed = seal(key, 'secret', 'a');
    expect(() => unseal(randomBytes(32).toString('hex'), sealed, 'a')).toThrow(ValidationError);
    expect(() => unseal(key, sealed, 'b')).toThrow(ValidationError);
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1]! ^= 0x01;
    const tampered = bytes.toString('base64url');
    expect(() => unseal(key, tampered, 'a')).toThrow(ValidationError);
    expect(() => unseal(key, 'abc', 'a')).toThrow(/too short/);
    expect(() => seal('00ff', 'x')).toThrow(/32 bytes/);
  });
});
