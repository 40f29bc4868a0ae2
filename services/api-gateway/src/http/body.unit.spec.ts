import { describe, expect, it } from 'vitest';
import { jsonNestingExceeds, MAX_JSON_DEPTH } from './body.js';

const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('jsonNestingExceeds', () => {
  it('accepts bodies up to the limit and refuses one level more, for arrays and objects', () => {
    expect(jsonNestingExceeds(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonNestingExceeds(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonNestingExceeds(nestedObjects(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonNestingExceeds(nestedObjects(MAX_JSON_DEPTH + 1))).toBe(true);
  });

  it('handles 100,000 levels without recursion', () => {
    expect(jsonNestingExceeds(nested(100_000))).toBe(true);
    expect(jsonNestingExceeds(`{"email":${nested(5_000)}}`)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({ displayName: '['.repeat(1000), note: 'a \\" [[[[ {{{{' });
    expect(jsonNestingExceeds(inString)).toBe(false);
    const escapedQuote = JSON.stringify({ a: `"${'['.repeat(100)}` });
    expect(jsonNestingExceeds(escapedQuote)).toBe(false);
  });

  it('counts depth, not the number of containers', () => {
    const wide = JSON.stringify(Array.from({ length: 10_000 }, () => ({ a: [1, { b: 2 }] })));
    expect(jsonNestingExceeds(wide)).toBe(false);
    expect(jsonNestingExceeds(nested(3), 2)).toBe(true);
    expect(jsonNestingExceeds('"[[[[[[[[[[[["', 2)).toBe(false);
  });
});
