import { ValidationError } from '@ledgerline/contracts';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './usersCursor.js';

const id = '01900000-0000-7000-8000-000000000001';

describe('users cursor', () => {
  it('round-trips and is URL-safe', () => {
    const cursor = { sort: '-createdAt' as const, value: '2026-11-23T10:00:00.000Z', id };
    const encoded = encodeCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encoded, '-createdAt')).toEqual(cursor);
  });

  it('refuses a cursor of another sort, garbage, and a bad timestamp', () => {
    const byEmail = encodeCursor({ sort: 'email', value: 'a@example.com', id });
    expect(() => decodeCursor(byEmail, 'createdAt')).toThrow(ValidationError);
    expect(() => decodeCursor('not-a-cursor', 'email')).toThrow(ValidationError);
    const badDate = Buffer.from(JSON.stringify(['createdAt', 'yesterday', id])).toString('base64url');
    expect(() => decodeCursor(badDate, 'createdAt')).toThrow(ValidationError);
  });
});
