import { describe, expect, it } from 'vitest';
import { nextCronTime } from './cron.js';

describe('RECONCILE_CRON matcher', () => {
  it('finds the next daily run', () => {
    const after = new Date('2026-03-01T03:17:00Z');
    expect(nextCronTime('17 3 * * *', after).toISOString()).toBe('2026-03-02T03:17:00.000Z');
    expect(nextCronTime('17 3 * * *', new Date('2026-03-01T03:16:59Z')).toISOString()).toBe(
      '2026-03-01T03:17:00.000Z',
    );
  });

  it('supports steps, ranges and lists', () => {
    const after = new Date('2026-03-01T10:01:00Z');
    expect(nextCronTime('*/15 * * * *', after).toISOString()).toBe('2026-03-01T10:15:00.000Z');
    expect(nextCronTime('0 9-17/4 * * 1,3', after).toISOString()).toBe('2026-03-02T09:00:00.000Z');
  });

  it('refuses malformed expressions', () => {
    expect(() => nextCronTime('61 * * * *', new Date())).toThrow(/bad cron field/);
    expect(() => nextCronTime('* * *', new Date())).toThrow(/five fields/);
  });
});
