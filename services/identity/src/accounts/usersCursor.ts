import { ValidationError } from '@ledgerline/contracts';

/** The sorts the admin list offers (the ListUsers contract's `sort`). */
export type UserSort = 'createdAt' | '-createdAt' | 'email' | '-email';

/** Where a page ended: the sort key's value and the id that breaks ties. */
export interface UsersCursor {
  sort: UserSort;
  value: string;
  id: string;
}

/**
 * Opaque to clients: base64url of a small JSON array. It names its sort, so a cursor from one
 * sort is refused under another instead of returning a wrong page.
 */
export const encodeCursor = (cursor: UsersCursor): string =>
  Buffer.from(JSON.stringify([cursor.sort, cursor.value, cursor.id]), 'utf8').toString('base64url');

const SORTS: readonly string[] = ['createdAt', '-createdAt', 'email', '-email'];

/** Decodes a cursor made for `sort`; a malformed or foreign cursor is a ValidationError. */
export function decodeCursor(encoded: string, sort: UserSort): UsersCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    !parsed.every((part) => typeof part === 'string') ||
    !SORTS.includes(parsed[0])
  ) {
    throw invalid();
  }
  const [cursorSort, value, id] = parsed as [UserSort, string, string];
  if (cursorSort !== sort)
    throw new ValidationError('The cursor belongs to another sort order', { field: 'cursor' });
  if (cursorSort.endsWith('createdAt') && Number.isNaN(Date.parse(value))) throw invalid();
  return { sort: cursorSort, value, id };
}

const invalid = () => new ValidationError('The cursor is not valid', { field: 'cursor' });
