import { describe, expect, it } from 'vitest';
import { formatStatus } from './statusTable.js';

describe('formatStatus', () => {
  it('prints one row per projection and notes for services without any', () => {
    const text = formatStatus([
      {
        service: 'identity',
        migrated: true,
        head: 42,
        rebuildSchemaPresent: false,
        projections: [
          {
            name: 'users',
            mode: 'inline',
            checkpoint: null,
            head: 42,
            lag: 0,
            state: 'inline',
            deadLetters: 0,
          },
          {
            name: 'stats',
            mode: 'async',
            checkpoint: 40,
            head: 42,
            lag: 2,
            state: 'running',
            deadLetters: 1,
          },
        ],
      },
      { service: 'notifier', migrated: true, head: 3, rebuildSchemaPresent: true, projections: [] },
      { service: 'files', migrated: false, head: 0, rebuildSchemaPresent: false, projections: [] },
    ]);
    expect(text).toBe(
      [
        'SERVICE   PROJECTION  STATE    CHECKPOINT  HEAD  LAG  DEAD LETTERS',
        'identity  users       inline            -    42    0             0',
        'identity  stats       running          40    42    2             1',
        '',
        'notifier: no projections (head 3)',
        'notifier: a rebuild is running or was interrupted (the next rebuild drops its schema)',
        'files: not migrated (ledgerline migrate --service files)',
      ].join('\n'),
    );
  });
});
