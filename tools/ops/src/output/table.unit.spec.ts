import { describe, expect, it } from 'vitest';
import { renderTable, truncate } from './table.js';

describe('renderTable', () => {
  it('pads columns to the widest cell and right-aligns numbers', () => {
    const text = renderTable(
      [{ header: 'NAME' }, { header: 'LAG', align: 'right' }],
      [
        ['users', '0'],
        ['sessions-list', '1234'],
      ],
    );
    expect(text.split('\n')).toEqual(['NAME            LAG', 'users             0', 'sessions-list  1234']);
  });

  it('prints only the header when there are no rows', () => {
    expect(renderTable([{ header: 'ID' }, { header: 'ERROR' }], [])).toBe('ID  ERROR');
  });
});

describe('truncate', () => {
  it('keeps short text and folds whitespace', () => {
    expect(truncate('a\n  b', 10)).toBe('a b');
  });

  it('cuts long text with an ellipsis at the limit', () => {
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
  });
});
