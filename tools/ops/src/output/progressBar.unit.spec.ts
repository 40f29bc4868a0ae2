import { describe, expect, it } from 'vitest';
import { formatEta } from './progressBar.js';

describe('formatEta', () => {
  it.each([
    [null, '?'],
    [Number.POSITIVE_INFINITY, '?'],
    [0, '0s'],
    [12.4, '12s'],
    [185, '3m05s'],
    [3720, '1h02m'],
  ])('%s seconds → %s', (seconds, text) => {
    expect(formatEta(seconds)).toBe(text);
  });
});
