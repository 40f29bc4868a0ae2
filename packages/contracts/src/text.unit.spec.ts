import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listUsersRequestSchema } from './identity/admin.js';
import { displayNameSchema } from './identity/common.js';
import { isWellFormedText, USER_TEXT_MESSAGE, userTextSchema } from './text.js';

describe('user text', () => {
  it('accepts ordinary text, including astral characters (paired surrogates) and other controls', () => {
    for (const value of ['', 'Ada', 'Zoë Ōkubo', '😀 ok', '\ud83d\ude00', 'tab\tand\nnewline', '中文']) {
      expect(isWellFormedText(value), JSON.stringify(value)).toBe(true);
      expect(userTextSchema().safeParse(value).success).toBe(true);
    }
  });

  it('refuses NUL characters and unpaired surrogates anywhere in the string', () => {
    for (const value of ['a\u0000b', '\u0000', '\ud800x', 'x\ud800', '\udc00', 'a\udfffb', '\ude00\ud83d']) {
      expect(isWellFormedText(value), JSON.stringify(value)).toBe(false);
      const result = userTextSchema().safeParse(value);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toBe(USER_TEXT_MESSAGE);
    }
  });

  it('is what identity contracts use for display names and the admin search', () => {
    expect(displayNameSchema.safeParse('a\u0000b').success).toBe(false);
    expect(displayNameSchema.safeParse('\ud800x').success).toBe(false);
    expect(displayNameSchema.parse('  Ada  ')).toBe('Ada');
    expect(listUsersRequestSchema.safeParse({ emailPrefix: '\u0000' }).success).toBe(false);
    expect(listUsersRequestSchema.safeParse({ cursor: 'x\udc00' }).success).toBe(false);
    expect(listUsersRequestSchema.safeParse({ emailPrefix: 'ada' }).success).toBe(true);
  });

  it('shows up as a pattern in JSON Schema (OpenAPI)', () => {
    const schema = z.toJSONSchema(userTextSchema()) as { pattern?: string };
    expect(schema.pattern).toBeDefined();
    expect(new RegExp(schema.pattern!).test('a\u0000b')).toBe(false);
    expect(new RegExp(schema.pattern!).test('ab')).toBe(true);
  });
});
