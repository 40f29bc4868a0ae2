import type { AdminUser, ListUsersRequest } from '@ledgerline/contracts';
import type { Prisma } from '../generated/prisma/client.js';
import type { ReadModels } from '../service.js';
import { normaliseEmail } from '../shared/emails.js';
import { decodeCursor, encodeCursor, type UserSort } from './usersCursor.js';
import { toAdminUser } from './userViews.js';

export interface UsersPage {
  items: AdminUser[];
  total: number;
  nextCursor: string | null;
}

/** The filters of the request as a Prisma where (created range inclusive at both ends). */
function filters(request: ListUsersRequest): Prisma.UserWhereInput {
  const where: Prisma.UserWhereInput = {};
  // Stored e-mails are normalised, so the prefix is too. Prisma passes startsWith to LIKE without
  // escaping, so `_` and `%` would match anything: escape them (backslash is LIKE's default escape).
  if (request.emailPrefix !== undefined) {
    where.email = { startsWith: normaliseEmail(request.emailPrefix).replaceAll(/[\\%_]/g, '\\$&') };
  }
  if (request.role !== undefined) where.role = request.role;
  if (request.tier !== undefined) where.tier = request.tier;
  if (request.status !== undefined) where.status = request.status;
  if (request.createdFrom !== undefined || request.createdTo !== undefined) {
    where.createdAt = {
      ...(request.createdFrom === undefined ? {} : { gte: new Date(request.createdFrom) }),
      ...(request.createdTo === undefined ? {} : { lte: new Date(request.createdTo) }),
    };
  }
  return where;
}

const columnOf = (sort: UserSort) => (sort.endsWith('email') ? 'email' : 'createdAt');
const directionOf = (sort: UserSort) => (sort.startsWith('-') ? 'desc' : 'asc');

/** Rows strictly after the cursor in (key, id) order: keyset pagination, stable under inserts. */
function after(sort: UserSort, encoded: string): Prisma.UserWhereInput {
  const cursor = decodeCursor(encoded, sort);
  const op = directionOf(sort) === 'asc' ? 'gt' : 'lt';
  const value = columnOf(sort) === 'email' ? cursor.value : new Date(cursor.value);
  const column = columnOf(sort);
  return {
    OR: [{ [column]: { [op]: value } }, { [column]: value, id: { [op]: cursor.id } }],
  };
}

/**
 * ListUsers (admin): filters, one of four sorts, and either keyset pages (`cursor`, the default)
 * or offset pages (`offset`, for page numbers; no nextCursor). `total` counts the filtered set.
 */
export async function listUsers(prisma: ReadModels, request: ListUsersRequest): Promise<UsersPage> {
  const where = filters(request);
  const { sort, limit } = request;
  const direction = directionOf(sort);
  const orderBy: Prisma.UserOrderByWithRelationInput[] = [{ [columnOf(sort)]: direction }, { id: direction }];
  const byOffset = request.offset !== undefined;
  const pageWhere =
    !byOffset && request.cursor !== undefined ? { AND: [where, after(sort, request.cursor)] } : where;
  const [rows, total] = await Promise.all([
    prisma.user.findMany({
      where: pageWhere,
      orderBy,
      take: limit + 1,
      ...(byOffset ? { skip: request.offset } : {}),
    }),
    prisma.user.count({ where }),
  ]);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const more = rows.length > limit;
  const nextCursor =
    more && !byOffset && last
      ? encodeCursor({
          sort,
          value: columnOf(sort) === 'email' ? last.email : last.createdAt.toISOString(),
          id: last.id,
        })
      : null;
  return { items: page.map(toAdminUser), total, nextCursor };
}
