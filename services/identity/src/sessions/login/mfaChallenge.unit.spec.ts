import { UnauthorizedError } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { deriveKey } from '../../signingKeys/keyEncryption.js';
import { issueChallenge, openChallenge } from './mfaChallenge.js';

const key = deriveKey('33'.repeat(32), 'mfa-challenge');
const subject = { userId: '01900000-0000-7000-8000-000000000001', method: 'password' as const };
const now = new Date('2026-11-23T10:00:00.000Z');

describe('MFA challenge', () => {
  it('opens to the user and method it was issued for, until it expires', () => {
    const { challengeToken, expiresAt } = issueChallenge(key, subject, now, 300);
    expect(expiresAt).toBe('2026-11-23T10:05:00.000Z');
    expect(openChallenge(key, challengeToken, new Date('2026-11-23T10:04:59.000Z'))).toEqual(subject);
    expect(() => openChallenge(key, challengeToken, new Date(expiresAt))).toThrow(UnauthorizedError);
  });

  it('is opaque and cannot be altered or opened with another key', () => {
    const { challengeToken } = issueChallenge(key, subject, now, 300);
    expect(challengeToken).not.toContain(subject.userId);
    const other = deriveKey('44'.repeat(32), 'mfa-challenge');
    expect(() => openChallenge(other, challengeToken, now)).toThrow(UnauthorizedError);
    const flipped = `${challengeToken.slice(0, -2)}${challengeToken.endsWith('A') ? 'B' : 'A'}A`;
    expect(() => openChallenge(key, flipped, now)).toThrow(UnauthorizedError);
    expect(() => openChallenge(key, 'garbage-garbage-garbage', now)).toThrow(UnauthorizedError);
  });
});
